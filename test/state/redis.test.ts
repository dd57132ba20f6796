/**
 * The Redis store (SESSION_STORE=redis://…) against a real redis-server: the shared contracts,
 * then what only Redis has to get right: several instances on one key, outages, lock ownership
 * and lease renewal.
 */

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { RedisClient } from "bun";
import { RedisSessionStore } from "../../src/state/redis";
import { LockTimeoutError, StoreUnavailableError } from "../../src/state/types";
import { skipRedis, startRedis, type TestRedis } from "../support/redis";
import { bigData, responseStoreContract, storedResponse } from "./response-store-contract";
import { contend, record, sessionStoreContract } from "./session-store-contract";

describe.skipIf(skipRedis)("Redis session store (a real redis-server)", () => {
  let redis: TestRedis;
  let raw: RedisClient;
  beforeAll(async () => {
    redis = await startRedis();
    raw = new RedisClient(redis.url);
    await raw.connect();
  });
  afterAll(async () => {
    raw?.close();
    await redis?.stop();
  });

  let n = 0;
  /** Each store gets its own key prefix, so size() and locks of one test never see another's. */
  const prefix = () => `t${++n}:`;

  sessionStoreContract("redis", async (opts) => new RedisSessionStore(redis.url, { ...opts, prefix: prefix() }));
  responseStoreContract("redis", async () => new RedisSessionStore(redis.url, { prefix: prefix() }));

  let stores: RedisSessionStore[] = [];
  const store = (opts: ConstructorParameters<typeof RedisSessionStore>[1] = {}, url = redis.url) => {
    const s = new RedisSessionStore(url, opts);
    stores.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of stores) await s.close();
    stores = [];
  });

  /** The rejection of `p` and how long it took to come. */
  async function failure(p: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
    const t0 = performance.now();
    try {
      await p;
    } catch (error) {
      return { error, ms: performance.now() - t0 };
    }
    throw new Error("expected a rejection, the call succeeded");
  }

  describe("redis store: keys in Redis", () => {
    test("records live under ocigenai:session:<key> with the TTL as PX; locks under ocigenai:lock:<key>", async () => {
      const s = store();
      const key = `owner|ep|chan:${crypto.randomUUID()}`;
      await s.set(key, record("s-prefix"), 60_000);
      expect(JSON.parse((await raw.get(`ocigenai:session:${key}`)) ?? "null")).toEqual(record("s-prefix"));
      const pttl = Number(await raw.send("PTTL", [`ocigenai:session:${key}`]));
      expect(pttl).toBeGreaterThan(59_000);
      expect(pttl).toBeLessThanOrEqual(60_000);
      const release = await s.lock(key, { waitMs: 1_000, leaseMs: 5_000 });
      expect(await raw.get(`ocigenai:lock:${key}`)).toMatch(/^[0-9a-f-]{36}$/);
      await release();
      expect(await raw.get(`ocigenai:lock:${key}`)).toBeNull();
      await s.deleteBySessionId("s-prefix");
      expect(await raw.get(`ocigenai:session:${key}`)).toBeNull();
    });

    test("a response lives under ocigenai:resp:<id> as its JSON, with the TTL as PX", async () => {
      const s = store();
      const id = `resp_${crypto.randomUUID()}`;
      await s.putResponse(storedResponse(id, { n: 1 }), 60_000);
      expect(JSON.parse((await raw.get(`ocigenai:resp:${id}`)) ?? "null")).toEqual(storedResponse(id, { n: 1 }));
      const pttl = Number(await raw.send("PTTL", [`ocigenai:resp:${id}`]));
      expect(pttl).toBeGreaterThan(59_000);
      expect(pttl).toBeLessThanOrEqual(60_000);
      await s.getResponse(id);
      expect(Number(await raw.send("PTTL", [`ocigenai:resp:${id}`]))).toBeLessThanOrEqual(pttl); // reads never extend it
      expect(await s.deleteResponse(id)).toBe(true);
      expect(await raw.get(`ocigenai:resp:${id}`)).toBeNull();
    });

    test("a response Redis holds in an unknown shape, or under another id, reads as absent", async () => {
      const s = store({ prefix: prefix() });
      const p = `t${n}:`;
      await raw.set(`${p}resp:garbled`, "{not json");
      await raw.set(`${p}resp:no-data`, JSON.stringify({ id: "no-data", owner: "o", createdAt: 1 }));
      await raw.set(`${p}resp:array-data`, JSON.stringify({ id: "array-data", owner: "o", createdAt: 1, data: [] }));
      await raw.set(`${p}resp:moved`, JSON.stringify(storedResponse("elsewhere")));
      for (const id of ["garbled", "no-data", "array-data", "moved"]) expect(await s.getResponse(id)).toBeUndefined();
    });

    test("a record Redis holds in an unknown shape reads as absent", async () => {
      const s = store({ prefix: prefix() });
      const p = `t${n}:`;
      await raw.set(`${p}session:garbled`, "{not json");
      await raw.set(`${p}session:partial`, JSON.stringify({ sessionId: "s1" }));
      expect(await s.get("garbled")).toBeUndefined();
      expect(await s.get("partial")).toBeUndefined();
    });
  });

  describe("redis store: several instances", () => {
    test("two stores (two connections) share records", async () => {
      const p = prefix();
      const a = store({ prefix: p });
      const b = store({ prefix: p });
      await a.set("k", record("s1", "key-A"), 60_000);
      expect(await b.get("k")).toEqual(record("s1", "key-A"));
      expect(await b.ownerOf("s1")).toBe("key-A");
      await b.deleteBySessionId("s1");
      expect(await a.get("k")).toBeUndefined();
    });

    test("two stores (two connections) share responses: put on one, get and delete on the other", async () => {
      const p = prefix();
      const a = store({ prefix: p });
      const b = store({ prefix: p });
      const big = storedResponse("resp_big", bigData(1024 * 1024), "key-A");
      await a.putResponse(storedResponse("resp_1", { n: 1 }, "key-A"), 60_000);
      await a.putResponse(big, 60_000);
      expect(await b.getResponse("resp_1")).toEqual(storedResponse("resp_1", { n: 1 }, "key-A"));
      expect(await b.getResponse("resp_big")).toEqual(big);
      await b.putResponse(storedResponse("resp_1", { n: 2 }, "key-A"), 60_000);
      expect((await a.getResponse("resp_1"))?.data.n).toBe(2);
      expect(await b.deleteResponse("resp_1")).toBe(true);
      expect(await a.getResponse("resp_1")).toBeUndefined();
      expect(await a.deleteResponse("resp_1")).toBe(false);
      expect(await store({ prefix: prefix() }).getResponse("resp_big")).toBeUndefined(); // another prefix: another store
    });

    test("of two instances deleting one response at once, exactly one gets true", async () => {
      const p = prefix();
      const a = store({ prefix: p });
      const b = store({ prefix: p });
      for (let i = 0; i < 20; i++) {
        await a.putResponse(storedResponse(`resp_${i}`), 60_000);
        const both = await Promise.all([a.deleteResponse(`resp_${i}`), b.deleteResponse(`resp_${i}`)]);
        expect(both.filter(Boolean)).toHaveLength(1);
      }
    });

    test("two stores (two connections) serialize one key: 10 holders never overlap", async () => {
      const p = prefix();
      const instances = [store({ prefix: p }), store({ prefix: p })];
      const { order, maxInside } = await contend(10, 20, (i) =>
        instances[i % 2]!.lock("shared", { waitMs: 10_000, leaseMs: 2_000 }),
      );
      expect(maxInside).toBe(1);
      expect([...order].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(instances[0]!.heldLocks + instances[1]!.heldLocks).toBe(0);
      expect(await raw.get(`${p}lock:shared`)).toBeNull();
    });

    test("an instance waiting on another's lock times out with LockTimeoutError", async () => {
      const p = prefix();
      const a = store({ prefix: p });
      const b = store({ prefix: p });
      const release = await a.lock("k", { waitMs: 1_000, leaseMs: 5_000 });
      const { error, ms } = await failure(b.lock("k", { waitMs: 300, leaseMs: 5_000 }));
      expect(error).toBeInstanceOf(LockTimeoutError);
      expect(ms).toBeGreaterThanOrEqual(290);
      expect(ms).toBeLessThan(700);
      await release();
      await (await b.lock("k", { waitMs: 300, leaseMs: 5_000 }))();
    });
  });

  describe("redis store: lock ownership and lease", () => {
    test("only the holder's token deletes the lock: a stale holder's release leaves the new holder's lock alone", async () => {
      const p = prefix();
      const a = store({ prefix: p });
      const b = store({ prefix: p });
      const c = store({ prefix: p });
      const releaseA = await a.lock("k", { waitMs: 1_000, leaseMs: 5_000 });
      await raw.del(`${p}lock:k`); // A's lease is lost (as if it had expired)
      const releaseB = await b.lock("k", { waitMs: 1_000, leaseMs: 5_000 });
      const tokenB = await raw.get(`${p}lock:k`);
      await releaseA(); // A does not know; its release must not free B's lock
      expect(await raw.get(`${p}lock:k`)).toBe(tokenB);
      await expect(c.lock("k", { waitMs: 200, leaseMs: 5_000 })).rejects.toBeInstanceOf(LockTimeoutError);
      await releaseB();
      expect(await raw.get(`${p}lock:k`)).toBeNull();
    });

    test("a long holder keeps its lock past leaseMs by renewing it; renewal stops on release", async () => {
      const p = prefix();
      const a = store({ prefix: p });
      const b = store({ prefix: p });
      const release = await a.lock("k", { waitMs: 1_000, leaseMs: 300 });
      const { error } = await failure(b.lock("k", { waitMs: 1_000, leaseMs: 300 })); // 3+ leases long
      expect(error).toBeInstanceOf(LockTimeoutError);
      expect(Number(await raw.send("PTTL", [`${p}lock:k`]))).toBeGreaterThan(0);
      await release();
      expect(await raw.get(`${p}lock:k`)).toBeNull();
      const t0 = performance.now();
      const releaseB = await b.lock("k", { waitMs: 1_000, leaseMs: 300 });
      expect(performance.now() - t0).toBeLessThan(150);
      await releaseB();
    });

    test("a holder that dies without releasing frees the key once its lease runs out", async () => {
      const p = prefix();
      const a = new RedisSessionStore(redis.url, { prefix: p });
      const b = store({ prefix: p });
      await a.lock("k", { waitMs: 1_000, leaseMs: 300 });
      await a.close(); // stops renewing, never releases: like a crashed instance
      const t0 = performance.now();
      const release = await b.lock("k", { waitMs: 2_000, leaseMs: 300 });
      const waited = performance.now() - t0;
      expect(waited).toBeLessThan(700);
      await release();
    });
  });

  describe("redis store: Redis down", () => {
    let own: TestRedis;
    beforeAll(async () => {
      own = await startRedis();
    });
    afterAll(async () => {
      await own?.stop();
    });

    test("while stopped every call rejects with StoreUnavailableError within 2 s; after a restart the same store works", async () => {
      const s = store({}, own.url);
      await s.set("k", record("s1"), 60_000);
      const held = await s.lock("held", { waitMs: 1_000, leaseMs: 1_000 });
      await own.stop();
      const calls: [string, () => Promise<unknown>][] = [
        ["get", () => s.get("k")],
        ["set", () => s.set("k", record("s1"), 60_000)],
        ["delete", () => s.delete("k")],
        ["deleteBySessionId", () => s.deleteBySessionId("s1")],
        ["ownerOf", () => s.ownerOf("s1")],
        ["size", () => s.size()],
        ["lock", () => s.lock("other", { waitMs: 5_000, leaseMs: 1_000 })],
        ["putResponse", () => s.putResponse(storedResponse("resp_1"), 60_000)],
        ["getResponse", () => s.getResponse("resp_1")],
        ["deleteResponse", () => s.deleteResponse("resp_1")],
      ];
      for (const [name, call] of calls) {
        const { error, ms } = await failure(call());
        expect({ name, error: error instanceof StoreUnavailableError }).toEqual({ name, error: true });
        expect({ name, fast: ms < 2_000 }).toEqual({ name, fast: true });
      }
      await held(); // releasing while Redis is down does not throw into the caller's finally
      expect(s.heldLocks).toBe(0);

      await own.restart(); // empty: no persistence
      expect(await s.get("k")).toBeUndefined();
      await s.set("k", record("s2"), 60_000);
      expect(await s.get("k")).toEqual(record("s2"));
      await (await s.lock("other", { waitMs: 1_000, leaseMs: 1_000 }))();
      await s.putResponse(storedResponse("resp_1"), 60_000);
      expect(await s.getResponse("resp_1")).toEqual(storedResponse("resp_1"));
    });

    test("a server that stops answering (SIGSTOP) fails calls within 2 s; once it answers again the store recovers", async () => {
      const s = store({}, own.url);
      await s.set("k", record("s1"), 60_000);
      process.kill(own.pid, "SIGSTOP");
      try {
        const { error, ms } = await failure(s.get("k"));
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect(ms).toBeLessThan(2_000);
        const second = await failure(s.get("k")); // reconnect attempt against the frozen server
        expect(second.error).toBeInstanceOf(StoreUnavailableError);
        expect(second.ms).toBeLessThan(2_000);
      } finally {
        process.kill(own.pid, "SIGCONT");
      }
      expect(await s.get("k")).toEqual(record("s1"));
    });

    // A command written before a stall runs when Redis resumes, whatever became of the connection:
    // an admission answered 503 then held a max_concurrent slot for 6 minutes, a lock its lease.
    test("what a stall left behind is undone once Redis answers again: the lease of a 503'd admission, a lock no one holds", async () => {
      const s = store({ prefix: "stall:" }, own.url);
      const ownRaw = new RedisClient(own.url);
      try {
        await s.get("warm"); // a live connection, as a running gateway has: what it writes is read later
        process.kill(own.pid, "SIGSTOP");
        let stopped = true;
        try {
          const admitted = failure(
            s.admit({ key: "team", rpm: 100, concurrent: { limit: 2, leaseId: "lease-1", leaseMs: 360_000 } }),
          );
          const locked = failure(s.lock("conv", { waitMs: 5_000, leaseMs: 30_000 }));
          expect((await admitted).error).toBeInstanceOf(StoreUnavailableError);
          expect((await locked).error).toBeInstanceOf(StoreUnavailableError);
        } finally {
          if (stopped) process.kill(own.pid, "SIGCONT");
          stopped = false;
        }
        const leases = () => ownRaw.send("ZRANGE", ["stall:lease:team", "0", "-1"]);
        const lock = () => ownRaw.send("EXISTS", ["stall:lock:conv"]);
        const deadline = Date.now() + 6_000;
        while (Date.now() < deadline && ((await leases()) as unknown[]).length + Number(await lock()) > 0)
          await Bun.sleep(100);
        expect(await leases()).toEqual([]);
        expect(await lock()).toBe(0);
        // And the key's slots are all there for the next requests.
        const next = await s.admit({ key: "team", concurrent: { limit: 2, leaseId: "lease-2", leaseMs: 60_000 } });
        expect(next.allowed).toBe(true);
      } finally {
        ownRaw.close();
      }
    }, 15_000);

    test("a URL where nothing listens fails fast with StoreUnavailableError", async () => {
      const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
      const port = l.port;
      l.stop(true);
      const s = store({}, `redis://127.0.0.1:${port}`);
      const { error, ms } = await failure(s.get("k"));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toContain("session store (redis) unavailable");
      expect(ms).toBeLessThan(2_000);
    });
  });
});
