/**
 * SQLite's WAL checkpoints on their own thread (src/state/wal-checkpoints.ts): started only once
 * the WAL has grown, the store's connection no longer checkpointing once it runs, the pages
 * really copied into the database file by the thread, a failing thread handed back to SQLite's
 * own checkpoints, and the thread's connection closed before the store's.
 */
import { Database } from "bun:sqlite";
import { afterAll, afterEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteSessionStore } from "../../src/state/sqlite";
import { WalCheckpoints } from "../../src/state/wal-checkpoints";
import { absenceWindow, waitUntil } from "../support/wait";

const dir = mkdtempSync(join(tmpdir(), "ocigenai-wal-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `wal-${++n}.db`);

let cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** A WAL database with one table, as the store opens it. */
function walDb(path: string): Database {
  const db = new Database(path, { create: true, strict: true });
  db.run("PRAGMA journal_mode = WAL");
  db.run("PRAGMA synchronous = NORMAL");
  db.run("CREATE TABLE t (id INTEGER PRIMARY KEY, data TEXT NOT NULL)");
  return db;
}

const autocheckpoint = (db: Database) =>
  (db.query("PRAGMA wal_autocheckpoint").get() as { wal_autocheckpoint: number }).wal_autocheckpoint;
const write = (db: Database, bytes: number) => db.run("INSERT INTO t (data) VALUES (?)", ["x".repeat(bytes)]);
const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);
/**
 * A thread's start and a checkpoint's syncs take milliseconds alone, but seconds when the suite's
 * other files load both cores and the disk: waits and tests get room for that.
 */
const WAIT_MS = 20_000;
const TEST_MS = 30_000;

/**
 * Checkpoints for `db` and a second connection of this process to the same file (the store has
 * two: its own and the quota counters'); both stop or resume checkpointing together.
 */
function checkpoints(db: Database, path: string, o: ConstructorParameters<typeof WalCheckpoints>[2] = {}) {
  const second = new Database(path, { strict: true });
  const c = new WalCheckpoints([db, second], path, {
    lookEveryMs: 10,
    everyMs: 10,
    startAtBytes: 256 * 1024,
    ...o,
  });
  c.watch();
  cleanup.push(async () => {
    await c.close();
    second.close();
    db.close();
  });
  return Object.assign(c, { second });
}

test(
  "a WAL that stays small keeps SQLite's own checkpoints and no thread",
  async () => {
    const path = freshPath();
    const db = walDb(path);
    const c = checkpoints(db, path);
    for (let i = 0; i < 20; i++) write(db, 100);
    await absenceWindow(); // fifteen looks at the WAL
    expect(c.offThread).toBe(false);
    expect(autocheckpoint(db)).toBe(1000);
  },
  TEST_MS,
);

test(
  "past the threshold the thread takes over and copies the WAL into the database file",
  async () => {
    const path = freshPath();
    const db = walDb(path);
    const told: string[] = [];
    const c = checkpoints(db, path, { info: (m) => told.push(m) });
    const before = size(path);
    for (let i = 0; i < 4; i++) write(db, 100_000); // ~400 KB: past 256 KB, far from SQLite's ~4 MB
    await waitUntil(() => c.offThread, WAIT_MS, "the thread");
    expect(autocheckpoint(db)).toBe(0);
    expect(autocheckpoint(c.second)).toBe(0);
    expect(told).toEqual(["session store: WAL checkpoints run on their own thread from now on"]);
    // Nothing on this connection checkpoints any more: only the thread can grow the database file.
    await waitUntil(() => size(path) > before + 350_000, WAIT_MS, "the first checkpoint");
    // Measured before writing: the thread runs beside this one and may copy while these commit.
    const grown = size(path);
    for (let i = 0; i < 4; i++) write(db, 100_000);
    await waitUntil(() => size(path) > grown + 350_000, WAIT_MS, "a later checkpoint");
    expect((db.query("SELECT count(*) AS n FROM t").get() as { n: number }).n).toBe(8);
  },
  TEST_MS,
);

test(
  "a thread that cannot start hands checkpoints back to the connection, with one warning",
  async () => {
    const path = freshPath();
    const db = walDb(path);
    const warned: string[] = [];
    const c = checkpoints(db, path, {
      workerSpec: join(dir, "no-such-module.ts"),
      warn: (m) => warned.push(m),
    });
    for (let i = 0; i < 4; i++) write(db, 100_000);
    await waitUntil(() => warned.length > 0, WAIT_MS, "the warning");
    await absenceWindow();
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain("WAL checkpoints stay on the event loop");
    expect(c.offThread).toBe(false);
    expect(autocheckpoint(db)).toBe(1000);
    expect(autocheckpoint(c.second)).toBe(1000);
    // And SQLite's own checkpoint does its work again: ~4 MB of pages and the file has them.
    const before = size(path);
    for (let i = 0; i < 45; i++) write(db, 100_000);
    expect(size(path)).toBeGreaterThan(before + 3_000_000);
  },
  TEST_MS,
);

test(
  "the store: stored responses start the thread, and closing ends it before the store's own connection",
  async () => {
    const path = freshPath();
    const store = SqliteSessionStore.open(path, {
      checkpoints: { lookEveryMs: 10, everyMs: 10, startAtBytes: 256 * 1024 },
    });
    let closed = false;
    cleanup.push(async () => {
      if (!closed) await store.close();
    });
    expect(store.checkpointsOffThread).toBe(false);
    const input = [{ type: "message", role: "user", content: "y".repeat(100_000) }];
    for (let i = 0; i < 4; i++) {
      await store.putResponse(
        {
          id: `resp_${i}`,
          owner: "o",
          createdAt: Date.now(),
          data: { response: { id: `resp_${i}` }, input, chainId: "c" },
        },
        60_000,
      );
    }
    await waitUntil(() => store.checkpointsOffThread, WAIT_MS, "the thread");
    expect((await store.getResponse("resp_3"))?.data).toMatchObject({ input });
    await store.close();
    closed = true;
    // SQLite removes the WAL when its last connection closes: the thread's had closed first.
    expect(existsSync(`${path}-wal`)).toBe(false);
  },
  TEST_MS,
);
