/** The SQLite store (the default): the shared contract, plus what a file gives: restarts. */
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteSessionStore } from "../../src/state/sqlite";
import { StoreUnavailableError } from "../../src/state/types";
import { record, sessionStoreContract } from "./session-store-contract";

const dir = mkdtempSync(join(tmpdir(), "ocigenai-sqlite-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `sessions-${++n}.db`);

sessionStoreContract("sqlite", async (opts) => SqliteSessionStore.open(freshPath(), opts));

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

  test("the file is in WAL mode with one table", async () => {
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
      ).toEqual(["agent_sessions"]);
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
    await s.close(); // twice is fine
  });
});
