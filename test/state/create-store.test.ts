/** SESSION_STORE → a store (src/state/create-store.ts). */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStateStore, parseSessionStoreSpec } from "../../src/state/create-store";
import type { StateStore } from "../../src/state/types";
import { skipRedis, startRedis } from "../support/redis";
import { storedResponse } from "./response-store-contract";
import { record } from "./session-store-contract";

const dir = mkdtempSync(join(tmpdir(), "ocigenai-create-store-"));
const opened: StateStore[] = [];
afterAll(async () => {
  for (const s of opened) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** createStateStore with a warn() that records what it was told. */
async function create(spec: string | undefined, configDir = dir): Promise<{ store: StateStore; warnings: string[] }> {
  const warnings: string[] = [];
  const store = await createStateStore(spec, { configDir, warn: (m) => warnings.push(m) });
  opened.push(store);
  return { store, warnings };
}

/**
 * Runs read-only-child.ts, where permissions apply: tests often run as root, whom chmod does not
 * stop, so as root the child runs without CAP_DAC_OVERRIDE (setpriv, from util-linux).
 */
function openAsUnprivileged(spec: string): { kind: string; warnings: string[]; usable: boolean } {
  const child = [process.execPath, join(import.meta.dir, "read-only-child.ts"), spec, dir];
  let cmd = child;
  if (process.getuid?.() === 0) {
    const setpriv = Bun.which("setpriv");
    if (!setpriv)
      throw new Error(
        "running as root: the read-only directory test needs `setpriv` (package util-linux) to drop CAP_DAC_OVERRIDE",
      );
    cmd = [setpriv, "--bounding-set=-dac_override,-dac_read_search", ...child];
  }
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`child failed (${r.exitCode}): ${r.stderr.toString()}`);
  return JSON.parse(r.stdout.toString().trim().split("\n").pop() ?? "{}");
}

describe("parseSessionStoreSpec", () => {
  test("undefined or blank → SQLite file in the config directory", () => {
    expect(parseSessionStoreSpec(undefined, "/etc/ocigenai")).toEqual({
      kind: "sqlite",
      path: "/etc/ocigenai/ocigenai-sessions.db",
    });
    expect(parseSessionStoreSpec("  ", "/etc/ocigenai")).toEqual({
      kind: "sqlite",
      path: "/etc/ocigenai/ocigenai-sessions.db",
    });
  });

  test("memory", () => {
    expect(parseSessionStoreSpec("memory", "/etc/ocigenai")).toEqual({ kind: "memory" });
  });

  test("sqlite:PATH: relative paths against the config directory, absolute ones as given", () => {
    expect(parseSessionStoreSpec("sqlite:data/s.db", "/etc/ocigenai")).toEqual({
      kind: "sqlite",
      path: "/etc/ocigenai/data/s.db",
    });
    expect(parseSessionStoreSpec("sqlite:../s.db", "/etc/ocigenai")).toEqual({ kind: "sqlite", path: "/etc/s.db" });
    expect(parseSessionStoreSpec("sqlite:/var/lib/ocigenai/s.db", "/etc/ocigenai")).toEqual({
      kind: "sqlite",
      path: "/var/lib/ocigenai/s.db",
    });
  });

  test("redis:// and rediss:// URLs are kept as given", () => {
    expect(parseSessionStoreSpec("redis://cache:6379/2", "/x")).toEqual({ kind: "redis", url: "redis://cache:6379/2" });
    expect(parseSessionStoreSpec("rediss://u:p@cache.example.com:6380", "/x")).toEqual({
      kind: "redis",
      url: "rediss://u:p@cache.example.com:6380",
    });
  });

  test("anything else is refused with a message naming SESSION_STORE and the accepted forms", () => {
    for (const bad of ["postgres://db", "mem", "sqlite", "file:/tmp/x.db", "SQLITE3:/x"]) {
      expect(() => parseSessionStoreSpec(bad, "/x")).toThrow(/SESSION_STORE .*memory, sqlite:PATH, redis:\/\//);
    }
  });

  test("sqlite: without a path, and a Redis URL without a host, are refused", () => {
    expect(() => parseSessionStoreSpec("sqlite:", "/x")).toThrow(/SESSION_STORE 'sqlite:' needs a file path/);
    expect(() => parseSessionStoreSpec("redis://", "/x")).toThrow(/SESSION_STORE/);
  });

  test("a refused Redis URL does not echo its password", () => {
    let message = "";
    try {
      parseSessionStoreSpec("redis://admin:hunter2@", "/x");
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("SESSION_STORE");
    expect(message).not.toContain("hunter2");
  });
});

describe("createStateStore", () => {
  test("default: a working SQLite file in the config directory, no warning", async () => {
    const configDir = join(dir, "default");
    const { store, warnings } = await create(undefined, configDir);
    expect(store.kind).toBe("sqlite");
    await store.set("k", record("s1"), 60_000);
    await store.putResponse(storedResponse("resp_1"), 60_000);
    expect(await store.getResponse("resp_1")).toEqual(storedResponse("resp_1"));
    expect(existsSync(join(configDir, "ocigenai-sessions.db"))).toBe(true);
    expect(warnings).toEqual([]);
  });

  test("memory", async () => {
    const { store, warnings } = await create("memory");
    expect(store.kind).toBe("memory");
    expect(warnings).toEqual([]);
    await store.putResponse(storedResponse("resp_1"), 60_000);
    expect(await store.getResponse("resp_1")).toEqual(storedResponse("resp_1"));
  });

  test("a read-only directory falls back to memory with a warning: no file yet, and an existing file", async () => {
    const ro = join(dir, "read-only");
    mkdirSync(join(ro, "empty"), { recursive: true });
    const seeded = await create(`sqlite:${join(ro, "existing", "sessions.db")}`);
    expect(seeded.store.kind).toBe("sqlite");
    await seeded.store.set("k", record("s1"), 60_000);
    await seeded.store.close(); // checkpoints the WAL: the directory holds just the .db file
    chmodSync(join(ro, "empty"), 0o555);
    chmodSync(join(ro, "existing"), 0o555);
    try {
      for (const where of ["empty", "existing"]) {
        const got = openAsUnprivileged(`sqlite:${join(ro, where, "sessions.db")}`);
        expect({ where, kind: got.kind, usable: got.usable }).toEqual({ where, kind: "memory", usable: true });
        expect(got.warnings).toHaveLength(1);
        expect(got.warnings[0]).toContain(join(ro, where, "sessions.db"));
      }
    } finally {
      chmodSync(join(ro, "empty"), 0o755);
      chmodSync(join(ro, "existing"), 0o755);
    }
  });

  test("a SQLite path that cannot be opened (its parent is a regular file) falls back to memory with a warning", async () => {
    const blocker = join(dir, "not-a-dir");
    await Bun.write(blocker, "x");
    const { store, warnings } = await create(`sqlite:${join(blocker, "sessions.db")}`);
    expect(store.kind).toBe("memory");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(join(blocker, "sessions.db"));
    expect(warnings[0]).toContain("in memory");
    await store.set("k", record("s1"), 60_000);
    expect(await store.get("k")).toEqual(record("s1"));
    await store.putResponse(storedResponse("resp_1"), 60_000);
    expect(await store.getResponse("resp_1")).toEqual(storedResponse("resp_1"));
  });

  test("a SQLite file that is not a database falls back to memory with a warning", async () => {
    const path = join(dir, "garbage.db");
    await Bun.write(path, "definitely not SQLite ".repeat(50));
    const { store, warnings } = await create("sqlite:garbage.db");
    expect(store.kind).toBe("memory");
    expect(warnings[0]).toContain(path);
  });

  test("an unknown spec throws (startup fails) instead of guessing", async () => {
    await expect(createStateStore("mongodb://x", { configDir: dir, warn: () => {} })).rejects.toThrow(/SESSION_STORE/);
  });

  test.skipIf(skipRedis)("redis:// with the server up: a Redis store, no warning", async () => {
    const redis = await startRedis();
    try {
      const { store, warnings } = await create(redis.url);
      expect(store.kind).toBe("redis");
      expect(warnings).toEqual([]);
      await store.set("k", record("s1"), 60_000);
      expect(await store.get("k")).toEqual(record("s1"));
      await store.putResponse(storedResponse("resp_1"), 60_000);
      expect(await store.getResponse("resp_1")).toEqual(storedResponse("resp_1"));
      await store.close();
    } finally {
      await redis.stop();
    }
  });

  test("redis:// with nothing listening: still a Redis store (never a silent fallback), with a warning that hides the password", async () => {
    const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = l.port;
    l.stop(true);
    const { store, warnings } = await create(`redis://default:s3cret@127.0.0.1:${port}`);
    expect(store.kind).toBe("redis");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("503");
    expect(warnings[0]).not.toContain("s3cret");
  });
});
