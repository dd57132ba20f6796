/**
 * The SQLite store's session lock across processes sharing one file (workers): other gateway
 * processes are played by test/state/lock-child.ts, and by second stores on the same file (their
 * own connection and in-process queue, so only the file stands between them).
 */
import { Database } from "bun:sqlite";
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { SqliteSessionStore } from "../../src/state/sqlite";
import { LockTimeoutError, StoreUnavailableError } from "../../src/state/types";

const dir = mkdtempSync(join(tmpdir(), "ocigenai-sqlite-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `locks-${++n}.db`);
const CHILD = join(import.meta.dir, "lock-child.ts");

let cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

function open(path: string): SqliteSessionStore {
  const s = SqliteSessionStore.open(path);
  cleanup.push(() => s.close());
  return s;
}

function raw(path: string): Database {
  const db = new Database(path, { strict: true });
  db.run("PRAGMA busy_timeout = 2000");
  cleanup.push(() => db.close());
  return db;
}

const row = (db: Database, key: string) =>
  db
    .query<{ holder: string; expires_at: number }, [string]>(
      "SELECT holder, expires_at FROM session_locks WHERE key = ?",
    )
    .get(key);

/** A child process on the file; `next()` resolves with its next JSON line. */
function child(...args: (string | number)[]): { proc: Subprocess; next: () => Promise<Record<string, number>> } {
  const proc = Bun.spawn([process.execPath, CHILD, ...args.map(String)], { stdout: "pipe", stderr: "inherit" });
  cleanup.push(() => {
    proc.kill("SIGKILL");
  });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const next = async () => {
    for (;;) {
      const nl = buffered.indexOf("\n");
      if (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        return JSON.parse(line) as Record<string, number>;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error(`child exited (${await proc.exited}) before its next line`);
      buffered += decoder.decode(value, { stream: true });
    }
  };
  return { proc, next };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe("sqlite session lock: separate processes on one file", () => {
  test("two processes, 150 read-modify-writes each under one key: the counter is exact, holds never overlap", async () => {
    const path = freshPath();
    const setup = raw(path);
    await SqliteSessionStore.open(path).close();
    setup.run("CREATE TABLE lock_probe (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, inside TEXT)");
    setup.run("INSERT INTO lock_probe (id, n) VALUES (1, 0)");
    const startAt = Date.now() + 400; // both past their startup, so their turns interleave
    const kids = [child("count", path, "shared", 150, startAt), child("count", path, "shared", 150, startAt)];
    const results = await Promise.all(kids.map((k) => k.next()));
    expect(await Promise.all(kids.map((k) => k.proc.exited))).toEqual([0, 0]);

    expect(setup.query<{ n: number }, []>("SELECT n FROM lock_probe").get()?.n).toBe(300);
    expect(results.map((r) => r.overlaps)).toEqual([0, 0]);
    expect(results.map((r) => r.heldLocks)).toEqual([0, 0]);
    const all = results.flatMap((r, who) =>
      (r.intervals as unknown as [number, number][]).map(([from, to]) => ({ from, to, who })),
    );
    all.sort((x, y) => x.from - y.from || x.to - y.to);
    let switches = 0;
    for (let i = 1; i < all.length; i++) {
      expect(all[i]!.from).toBeGreaterThanOrEqual(all[i - 1]!.to);
      if (all[i]!.who !== all[i - 1]!.who) switches++;
    }
    expect(switches).toBeGreaterThan(0); // they did contend, not run one after the other
    expect(row(setup, "shared")).toBeNull(); // every release deleted its row
  }, 15_000);

  test("a holder killed while holding: the other process gets the lock when its lease ends, not before", async () => {
    const path = freshPath();
    const s = open(path);
    const leaseMs = 1_000;
    const holder = child("hold", path, "k", leaseMs, -1);
    const { acquiredAt } = await holder.next();
    holder.proc.kill("SIGKILL");
    await holder.proc.exited;
    const left = row(raw(path), "k");
    expect(left).not.toBeNull(); // the dead holder could not release
    const release = await s.lock("k", { waitMs: 3_000, leaseMs });
    const got = Date.now();
    await release();
    expect(got).toBeGreaterThanOrEqual(left!.expires_at);
    expect(got - acquiredAt!).toBeGreaterThanOrEqual(leaseMs);
    expect(got - left!.expires_at).toBeLessThan(300); // polled promptly once free
    expect(s.heldLocks).toBe(0);
  }, 10_000);

  test("renewal keeps the lock held well past its lease while the holder lives", async () => {
    const path = freshPath();
    const s = open(path);
    const holder = child("hold", path, "k", 300, 1_500); // renewed every 100 ms
    const { acquiredAt } = await holder.next();
    const err = await rejection(s.lock("k", { waitMs: 900, leaseMs: 300 }));
    expect(err).toBeInstanceOf(LockTimeoutError); // three leases long, and still held
    const release = await s.lock("k", { waitMs: 2_000, leaseMs: 300 });
    const got = Date.now();
    await release();
    const { releasedAt } = await holder.next();
    expect(got).toBeGreaterThanOrEqual(releasedAt!);
    expect(got - acquiredAt!).toBeGreaterThanOrEqual(1_500);
    expect(got - releasedAt!).toBeLessThan(300);
    expect(await holder.proc.exited).toBe(0);
  }, 10_000);

  test("waiting longer than waitMs for another process's lock rejects with LockTimeoutError", async () => {
    const path = freshPath();
    const s = open(path);
    const holder = child("hold", path, "k", 2_000, 1_500);
    await holder.next();
    const t0 = performance.now();
    const err = await rejection(s.lock("k", { waitMs: 300, leaseMs: 2_000 }));
    const waited = performance.now() - t0;
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as LockTimeoutError).key).toBe("k");
    expect(waited).toBeGreaterThanOrEqual(295);
    expect(waited).toBeLessThan(800);
    expect(s.heldLocks).toBe(0);
  }, 10_000);

  test("different keys held by different processes do not block each other", async () => {
    const path = freshPath();
    const s = open(path);
    const holder = child("hold", path, "left", 2_000, 1_500);
    await holder.next();
    const t0 = performance.now();
    const release = await s.lock("right", { waitMs: 200, leaseMs: 2_000 });
    expect(performance.now() - t0).toBeLessThan(100);
    expect(await rejection(s.lock("left", { waitMs: 100, leaseMs: 2_000 }))).toBeInstanceOf(LockTimeoutError);
    await release();
  }, 10_000);
});

describe("sqlite session lock: two stores on one file", () => {
  test("a store's holders and another's take turns; each store's own waiters keep arrival order", async () => {
    const path = freshPath();
    const a = open(path);
    const b = open(path);
    let inside = 0;
    let maxInside = 0;
    const order: string[] = [];
    await Promise.all(
      ["a0", "b0", "a1", "b1", "a2", "b2"].map(async (name) => {
        const release = await (name[0] === "a" ? a : b).lock("k", { waitMs: 5_000, leaseMs: 2_000 });
        inside++;
        maxInside = Math.max(maxInside, inside);
        order.push(name);
        await Bun.sleep(20);
        inside--;
        await release();
      }),
    );
    expect(maxInside).toBe(1);
    expect(order.filter((x) => x[0] === "a")).toEqual(["a0", "a1", "a2"]);
    expect(order.filter((x) => x[0] === "b")).toEqual(["b0", "b1", "b2"]);
    expect([a.heldLocks, b.heldLocks]).toEqual([0, 0]);
  });

  test("release deletes only its own row: after another took over, the other keeps the lock", async () => {
    const path = freshPath();
    const a = open(path);
    const b = open(path);
    const db = raw(path);
    const release = await a.lock("k", { waitMs: 100, leaseMs: 60_000 });
    db.run("UPDATE session_locks SET holder = 'someone-else' WHERE key = 'k'"); // as if a's lease had lapsed
    await release();
    await release(); // idempotent
    expect(row(db, "k")?.holder).toBe("someone-else");
    expect(await rejection(b.lock("k", { waitMs: 100, leaseMs: 1_000 }))).toBeInstanceOf(LockTimeoutError);
    expect(a.heldLocks).toBe(0);
  });

  test("a holder whose lease lapsed while nobody took the key takes it back at its next renewal", async () => {
    const path = freshPath();
    const a = open(path);
    const db = raw(path);
    const release = await a.lock("k", { waitMs: 100, leaseMs: 300 });
    const holder = row(db, "k")!.holder;
    db.run("UPDATE session_locks SET expires_at = 0 WHERE key = 'k'");
    await Bun.sleep(200); // past a renewal (every 100 ms)
    const now = Date.now();
    expect(row(db, "k")?.holder).toBe(holder);
    expect(row(db, "k")!.expires_at).toBeGreaterThan(now);
    await release();
    expect(row(db, "k")).toBeNull();
  });

  test("a closed store stops renewing: its rows expire with their lease, and releasing later does not throw", async () => {
    const path = freshPath();
    const a = SqliteSessionStore.open(path);
    const b = open(path);
    const release = await a.lock("k", { waitMs: 100, leaseMs: 300 });
    await a.close();
    const t0 = performance.now();
    const next = await b.lock("k", { waitMs: 2_000, leaseMs: 300 });
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(700);
    await release();
    expect(a.heldLocks).toBe(0);
    await next();
  });

  test("lock on a closed store fails with StoreUnavailableError; a lease below 1 ms is a RangeError", async () => {
    const path = freshPath();
    const a = SqliteSessionStore.open(path);
    await expect(a.lock("k", { waitMs: 100, leaseMs: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(a.lock("k", { waitMs: 100, leaseMs: Number.NaN })).rejects.toBeInstanceOf(RangeError);
    await a.close();
    await expect(a.lock("k", { waitMs: 100, leaseMs: 1_000 })).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(a.heldLocks).toBe(0);
  });

  test("rows left by crashed holders are pruned on open", async () => {
    const path = freshPath();
    await SqliteSessionStore.open(path).close();
    const db = raw(path);
    db.run("INSERT INTO session_locks VALUES ('dead', 'gone', 1), ('live', 'elsewhere', ?)", [Date.now() + 60_000]);
    open(path);
    expect(row(db, "dead")).toBeNull();
    expect(row(db, "live")?.holder).toBe("elsewhere");
  });
});
