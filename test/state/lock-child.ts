/**
 * Child process for test/state/sqlite-lock.test.ts: another gateway process on the same SQLite
 * file. Prints one JSON line per event on stdout.
 *
 *   bun lock-child.ts count <path> <key> <n> <startAt>    n read-modify-writes of lock_probe's
 *       counter under the lock, from epoch ms startAt; prints { intervals, overlaps }
 *   bun lock-child.ts hold <path> <key> <leaseMs> <holdMs> takes the lock, prints { acquiredAt },
 *       holds it holdMs (forever if negative), releases, prints { releasedAt }
 */
import { Database } from "bun:sqlite";
import { SqliteSessionStore } from "../../src/state/sqlite";

const [mode, path = "", key = "", a = "", b = ""] = process.argv.slice(2);
const store = SqliteSessionStore.open(path);
const say = (v: unknown) => console.log(JSON.stringify(v));

if (mode === "count") {
  const db = new Database(path, { strict: true });
  db.run("PRAGMA busy_timeout = 2000");
  // `inside` names whoever is between entry and exit: finding it taken is an overlap, whatever the clocks say.
  const enter = db.prepare<unknown, [string]>("UPDATE lock_probe SET inside = ? WHERE id = 1 AND inside IS NULL");
  const leave = db.prepare<unknown, [string]>("UPDATE lock_probe SET inside = NULL WHERE id = 1 AND inside = ?");
  const read = db.prepare<{ n: number }, []>("SELECT n FROM lock_probe WHERE id = 1");
  const write = db.prepare<unknown, [number]>("UPDATE lock_probe SET n = ? WHERE id = 1");
  const me = `${process.pid}`;
  const intervals: [number, number][] = [];
  let overlaps = 0;
  await Bun.sleep(Math.max(0, Number(b) - Date.now()));
  for (let i = 0; i < Number(a); i++) {
    const release = await store.lock(key, { waitMs: 10_000, leaseMs: 2_000 });
    const start = Date.now();
    try {
      if (enter.run(me).changes !== 1) overlaps++;
      const n = read.get()?.n ?? 0;
      await Bun.sleep(1); // the other process would read the same n here if it were inside too
      write.run(n + 1);
      if (leave.run(me).changes !== 1) overlaps++;
    } finally {
      intervals.push([start, Date.now()]);
      await release();
    }
    await Bun.sleep(Math.random() * 2); // a gap, so the other process's poll can find the key free
  }
  db.close();
  say({ intervals, overlaps, heldLocks: store.heldLocks });
} else if (mode === "hold") {
  const release = await store.lock(key, { waitMs: 5_000, leaseMs: Number(a) });
  say({ acquiredAt: Date.now() });
  if (Number(b) < 0) await new Promise(() => {});
  await Bun.sleep(Number(b));
  const releasedAt = Date.now();
  await release();
  say({ releasedAt });
}
await store.close();
