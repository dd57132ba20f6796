/** The SQLite store (the default): the shared contracts, plus what a file gives: restarts. */
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteSessionStore } from "../../src/state/sqlite";
import { StoreUnavailableError } from "../../src/state/types";
import { bigData, responseStoreContract, storedResponse } from "./response-store-contract";
import { record, sessionStoreContract } from "./session-store-contract";

const dir = mkdtempSync(join(tmpdir(), "ocigenai-sqlite-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `sessions-${++n}.db`);

sessionStoreContract("sqlite", async (opts) => SqliteSessionStore.open(freshPath(), opts));
responseStoreContract("sqlite", async () => SqliteSessionStore.open(freshPath()));

describe("sqlite store: quota writes while another process writes", () => {
  // The other process is played by a second connection of this one, holding the write lock in an
  // open transaction: a store that waited inside SQLite (its busy timeout) would block this very
  // thread, so the holder's COMMIT — on a timer — could never run.
  const holdWriteLock = (path: string) => {
    const other = new Database(path, { strict: true });
    other.run("BEGIN IMMEDIATE");
    other.run("INSERT INTO quota_days (key, day, tokens) VALUES ('someone', '2000-01-01', 1)");
    return other;
  };
  test("an admission that finds the file locked waits without stopping the event loop, then goes through", async () => {
    const path = freshPath();
    const s = SqliteSessionStore.open(path);
    const other = holdWriteLock(path);
    try {
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 5);
      setTimeout(() => other.run("COMMIT"), 100);
      const a = await s.admit({ key: "team", rpm: 10, concurrent: { limit: 2, leaseId: "l1", leaseMs: 60_000 } });
      clearInterval(ticker);
      expect(a.allowed).toBe(true);
      expect(ticks).toBeGreaterThanOrEqual(5); // the loop ran while the admission waited
      await s.settle("team", "llama", { inputTokens: 3, outputTokens: 4 });
      await s.release("team", "l1");
      const today = new Date().toISOString().slice(0, 10);
      expect(await s.usage({ from: today, to: today, key: "team" })).toEqual([
        expect.objectContaining({ key: "team", alias: "llama", inputTokens: 3, outputTokens: 4 }),
      ]);
    } finally {
      other.close();
      await s.close();
    }
  });

  test("a lock held past the wait (2 s) fails the admission as the store being unavailable (a 503)", async () => {
    const path = freshPath();
    const s = SqliteSessionStore.open(path);
    const other = holdWriteLock(path);
    try {
      const started = performance.now();
      const e = await s.admit({ key: "team", rpm: 10 }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(StoreUnavailableError);
      expect(performance.now() - started).toBeGreaterThanOrEqual(1900);
      other.run("ROLLBACK");
      expect((await s.admit({ key: "team", rpm: 10 })).allowed).toBe(true);
    } finally {
      other.close();
      await s.close();
    }
  });
});

describe("sqlite store: sessions, locks and responses while another process writes", () => {
  // As quotas: a session or response write that waited inside SQLite froze the whole process
  // (every request, /health) for up to 2 s while another process held the file.
  test("each waits without stopping the event loop, then goes through", async () => {
    const path = freshPath();
    const s = SqliteSessionStore.open(path);
    const hold = () => {
      const other = new Database(path, { strict: true });
      other.run("BEGIN IMMEDIATE");
      other.run("INSERT OR REPLACE INTO quota_days (key, day, tokens) VALUES ('someone', '2000-01-01', 1)");
      return other;
    };
    const ops: Array<[string, () => Promise<unknown>]> = [
      ["set", () => s.set("conv", record("s1"), 60_000)],
      ["putResponse", () => s.putResponse(storedResponse("resp_1"), 60_000)],
      ["lock", async () => (await s.lock("conv", { waitMs: 5_000, leaseMs: 10_000 }))()],
      ["delete", () => s.delete("conv")],
      ["deleteResponse", () => s.deleteResponse("resp_1")],
    ];
    try {
      for (const [name, op] of ops) {
        const other = hold();
        let ticks = 0;
        const ticker = setInterval(() => ticks++, 5);
        setTimeout(() => other.run("COMMIT"), 100);
        try {
          await op();
        } finally {
          clearInterval(ticker);
          other.close();
        }
        expect({ name, loopRan: ticks >= 5 }).toEqual({ name, loopRan: true });
      }
      await s.set("after", record("s2"), 60_000);
      expect(await s.get("after")).toEqual(record("s2"));
    } finally {
      await s.close();
    }
  });
});

describe("sqlite store: the file", () => {
  test("records survive close and reopen, with their expiry", async () => {
    const path = freshPath();
    const a = SqliteSessionStore.open(path);
    await a.set("long", record("s1", "key-A"), 3_600_000);
    await a.set("short", record("s2"), 150);
    await a.close();
    await Bun.sleep(250);
    const b = SqliteSessionStore.open(path);
    try {
      expect(await b.get("long")).toEqual(record("s1", "key-A"));
      expect(await b.ownerOf("s1")).toBe("key-A");
      expect(await b.get("short")).toBeUndefined();
      expect(await b.size()).toBe(1);
    } finally {
      await b.close();
    }
  });

  test("responses survive close and reopen, with their expiry; expired rows are pruned on open", async () => {
    const path = freshPath();
    const a = SqliteSessionStore.open(path);
    const big = storedResponse("resp_big", bigData(1024 * 1024), "key-A");
    await a.putResponse(storedResponse("resp_long", { n: 1 }, "key-A"), 3_600_000);
    await a.putResponse(big, 3_600_000);
    await a.putResponse(storedResponse("resp_short"), 150);
    await a.close();
    await Bun.sleep(250);
    const b = SqliteSessionStore.open(path);
    try {
      expect(await b.getResponse("resp_long")).toEqual(storedResponse("resp_long", { n: 1 }, "key-A"));
      expect(await b.getResponse("resp_big")).toEqual(big);
      expect(await b.getResponse("resp_short")).toBeUndefined();
      const db = new Database(path, { readonly: true });
      try {
        expect(
          db
            .query<{ id: string }, []>("SELECT id FROM responses ORDER BY id")
            .all()
            .map((r) => r.id),
        ).toEqual(["resp_big", "resp_long"]);
      } finally {
        db.close();
      }
    } finally {
      await b.close();
    }
  });

  test("a response is kept as JSON text (JSON.stringify's), large or small, one after another through the same buffer", async () => {
    const path = freshPath();
    const s = SqliteSessionStore.open(path);
    const raw = new Database(path, { readonly: true });
    try {
      const values = [
        { text: 'é😀 "quoted"\n'.repeat(20_000), nested: { list: [1, null, true, "x"] } }, // ~400 KB
        { n: 1 }, // shorter than what the buffer last held: nothing of it may be left behind
        { lone: "\ud800", tab: "\t", zero: 0 },
      ];
      for (const [i, data] of values.entries()) {
        const r = storedResponse(`resp_${i}`, data);
        await s.putResponse(r, 60_000);
        const row = raw
          .query<{ t: string; data: string }, [string]>("SELECT typeof(data) AS t, data FROM responses WHERE id = ?")
          .get(`resp_${i}`)!;
        expect(row.t).toBe("text");
        expect(row.data).toBe(JSON.stringify(r.data));
        expect(await s.getResponse(`resp_${i}`)).toEqual(r);
      }
    } finally {
      raw.close();
      await s.close();
    }
  });

  test("expired responses are pruned 64 at a time by writes, the next write going on while some remain; open prunes them all", async () => {
    const path = freshPath();
    const s = SqliteSessionStore.open(path, { pruneEveryMs: 300 });
    const raw = new Database(path, { readonly: true });
    const rows = () => raw.query<{ n: number }, []>("SELECT count(*) AS n FROM responses").get()!.n;
    try {
      for (let i = 0; i < 150; i++) await s.putResponse(storedResponse(`resp_old_${i}`), 50);
      await s.putResponse(storedResponse("resp_kept"), 3_600_000);
      await Bun.sleep(350); // the 150 expire, and a prune is due
      const write = (i: number) => s.putResponse(storedResponse(`resp_new_${i}`), 3_600_000);
      const seen: number[] = [];
      for (let i = 0; i < 4; i++) {
        await write(i);
        seen.push(rows());
      }
      // 151 + 1 − 64, + 1 − 64, + 1 − 22 (the last expired ones); then no prune until it is due again.
      expect(seen).toEqual([88, 25, 4, 5]);
      expect(await s.getResponse("resp_kept")).toBeDefined();
      for (let i = 0; i < 100; i++) await s.putResponse(storedResponse(`resp_short_${i}`), 50);
      await s.close();
      await Bun.sleep(100);
      const again = SqliteSessionStore.open(path);
      expect(rows()).toBe(5);
      await again.close();
    } finally {
      raw.close();
    }
  });

  test("a file made before responses existed gains the responses table on open; its sessions stay", async () => {
    const path = freshPath();
    const old = new Database(path, { create: true });
    old.run(`CREATE TABLE agent_sessions (
      key TEXT PRIMARY KEY NOT NULL, session_id TEXT NOT NULL, agent_endpoint_id TEXT NOT NULL,
      owner TEXT NOT NULL, created_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL, owner_until INTEGER NOT NULL)`);
    const r = record("s1");
    old.run("INSERT INTO agent_sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
      "k",
      r.sessionId,
      r.agentEndpointId,
      r.owner,
      r.createdAt,
      r.lastUsedAt,
      Date.now() + 60_000,
      Date.now() + 60_000,
    ]);
    old.close();
    const s = SqliteSessionStore.open(path);
    try {
      expect(await s.get("k")).toEqual(record("s1"));
      await s.putResponse(storedResponse("resp_1"), 60_000);
      expect(await s.getResponse("resp_1")).toEqual(storedResponse("resp_1"));
      const release = await s.lock("k", { waitMs: 100, leaseMs: 1_000 }); // session_locks too
      await release();
    } finally {
      await s.close();
    }
  });

  test("a stored response whose data is not a JSON object reads as absent", async () => {
    const path = freshPath();
    const s = SqliteSessionStore.open(path);
    await s.putResponse(storedResponse("resp_1"), 60_000);
    await s.putResponse(storedResponse("resp_2"), 60_000);
    const db = new Database(path);
    try {
      db.run("UPDATE responses SET data = '{not json' WHERE id = 'resp_1'");
      db.run("UPDATE responses SET data = '[1, 2]' WHERE id = 'resp_2'");
      expect(await s.getResponse("resp_1")).toBeUndefined();
      expect(await s.getResponse("resp_2")).toBeUndefined();
    } finally {
      db.close();
      await s.close();
    }
  });

  test("the file is in WAL mode with its tables: sessions, responses, quota counters, the usage ledger, session locks", async () => {
    const path = freshPath();
    const s = SqliteSessionStore.open(path);
    await s.set("k", record("s1"), 60_000);
    const db = new Database(path, { readonly: true });
    try {
      expect(db.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()?.journal_mode).toBe("wal");
      expect(
        db
          .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'")
          .all()
          .map((r) => r.name),
      ).toEqual([
        "agent_sessions",
        "responses",
        "quota_minutes",
        "quota_days",
        "quota_leases",
        "usage_ledger",
        "session_locks",
      ]);
      // What runs on a schedule reads by time through an index, not a scan of every row: the
      // live-session count behind /metrics (every scrape) and the prunes (once a minute).
      const plan = (sql: string) =>
        db
          .query<{ detail: string }, []>(`EXPLAIN QUERY PLAN ${sql}`)
          .all()
          .map((r) => r.detail)
          .join("; ");
      expect(plan("SELECT COUNT(*) FROM agent_sessions WHERE expires_at > 0")).toContain("agent_sessions_by_expiry");
      expect(plan("DELETE FROM agent_sessions WHERE owner_until <= 0")).toContain("agent_sessions_by_owner_until");
      expect(plan("SELECT id FROM responses WHERE expires_at <= 0 LIMIT 64")).toContain("responses_by_expiry");
    } finally {
      db.close();
      await s.close();
    }
  });

  test("creates missing parent directories", async () => {
    const path = join(dir, "nested", "deeper", "sessions.db");
    const s = SqliteSessionStore.open(path);
    await s.set("k", record("s1"), 60_000);
    expect(await s.get("k")).toEqual(record("s1"));
    await s.close();
  });

  test("a path that cannot be opened throws at open, not on the first request", async () => {
    const blocker = join(dir, "a-regular-file");
    await Bun.write(blocker, "not a directory");
    expect(() => SqliteSessionStore.open(join(blocker, "sessions.db"))).toThrow();
    expect(() => SqliteSessionStore.open(dir)).toThrow(); // a directory, not a file
  });

  test("a file that is not a database throws at open", async () => {
    const path = freshPath();
    await Bun.write(path, "this is not an SQLite database, just text long enough to have a header ".repeat(10));
    expect(() => SqliteSessionStore.open(path)).toThrow();
  });

  test("calls after close fail with StoreUnavailableError (a 503), not a crash", async () => {
    const s = SqliteSessionStore.open(freshPath());
    await s.close();
    await expect(s.get("k")).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(s.set("k", record("s1"), 1_000)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(s.putResponse(storedResponse("resp_1"), 1_000)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(s.getResponse("resp_1")).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(s.deleteResponse("resp_1")).rejects.toBeInstanceOf(StoreUnavailableError);
    await s.close(); // twice is fine
  });
});
