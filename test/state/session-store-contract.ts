/**
 * What every SessionStore promises (src/state/types.ts), run against each
 * implementation: sliding TTL, deletion by session id, owners, size, and the per-key lock.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { LockTimeoutError, type Release, type SessionRecord, type SessionStore } from "../../src/state/types";

export type TestStore = SessionStore & { readonly heldLocks: number };
export type MakeStore = (opts: { ownerRetentionMs?: number }) => Promise<TestStore>;

export const record = (sessionId: string, owner = "owner-a"): SessionRecord => ({
  sessionId,
  agentEndpointId: "ocid1.genaiagentendpoint.oc1..e1",
  owner,
  createdAt: 1_700_000_000_000,
  lastUsedAt: 1_700_000_000_500,
});

const HOUR = 3_600_000;
const LOCK = { waitMs: 5_000, leaseMs: 2_000 };

/** Runs `n` holders of one key at once; resolves with the order they held it and the most at once. */
export async function contend(
  n: number,
  holdMs: number,
  lock: (i: number) => Promise<Release>,
): Promise<{ order: number[]; maxInside: number }> {
  let inside = 0;
  let maxInside = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const release = await lock(i);
      try {
        inside++;
        maxInside = Math.max(maxInside, inside);
        order.push(i);
        await Bun.sleep(holdMs);
      } finally {
        inside--;
        await release();
      }
    }),
  );
  return { order, maxInside };
}

export function sessionStoreContract(kind: SessionStore["kind"], make: MakeStore): void {
  let open: TestStore[] = [];
  const store = async (opts: { ownerRetentionMs?: number } = {}) => {
    const s = await make(opts);
    open.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of open) await s.close();
    open = [];
  });

  describe(`${kind} store: records`, () => {
    test("reports its kind", async () => {
      expect((await store()).kind).toBe(kind);
    });

    test("get answers what set stored, delete forgets it, unknown keys are undefined", async () => {
      const s = await store();
      expect(await s.get("k1")).toBeUndefined();
      await s.set("k1", record("s1"), HOUR);
      expect(await s.get("k1")).toEqual(record("s1"));
      await s.delete("k1");
      expect(await s.get("k1")).toBeUndefined();
      await s.delete("never-set");
    });

    test("set replaces the record of a key", async () => {
      const s = await store();
      await s.set("k1", record("s1"), HOUR);
      await s.set("k1", { ...record("s2"), lastUsedAt: 42 }, HOUR);
      expect(await s.get("k1")).toEqual({ ...record("s2"), lastUsedAt: 42 });
      expect(await s.size()).toBe(1);
    });

    test("keys with separators and unicode are kept apart", async () => {
      const s = await store();
      await s.set("ownerA|ep|chan:cuid", record("s1"), HOUR);
      await s.set("ownerA|ep|chan:cuid2", record("s2"), HOUR);
      await s.set("ownerB|ep|canal:usuário*?[", record("s3"), HOUR);
      expect((await s.get("ownerA|ep|chan:cuid"))?.sessionId).toBe("s1");
      expect((await s.get("ownerA|ep|chan:cuid2"))?.sessionId).toBe("s2");
      expect((await s.get("ownerB|ep|canal:usuário*?["))?.sessionId).toBe("s3");
    });

    test("a TTL that is not a positive number is rejected", async () => {
      const s = await store();
      await expect(s.set("k", record("s"), 0)).rejects.toBeInstanceOf(RangeError);
      await expect(s.set("k", record("s"), -5)).rejects.toBeInstanceOf(RangeError);
      await expect(s.set("k", record("s"), Number.NaN)).rejects.toBeInstanceOf(RangeError);
      expect(await s.get("k")).toBeUndefined();
    });
  });

  describe(`${kind} store: sliding TTL`, () => {
    test("set restarts the TTL; an idle record is gone once the TTL has passed", async () => {
      const s = await store();
      // A sleep only ever ends late, so each check sits just after the expiry it needs and well
      // before the next one: a machine busy with other tests cannot make it flaky.
      await s.set("kept", record("s1"), 1000);
      await s.set("idle", record("s2"), 1000);
      await Bun.sleep(300);
      await s.set("kept", record("s1"), 1000); // now lives until ~1300 ms
      await Bun.sleep(750); // ~1050 ms: past the first TTL, 250 ms before the second
      expect(await s.get("idle")).toBeUndefined();
      expect(await s.get("kept")).toEqual(record("s1"));
      expect(await s.size()).toBe(1);
      await Bun.sleep(300); // ~1350 ms: idle 1050 ms since the last set
      expect(await s.get("kept")).toBeUndefined();
      expect(await s.size()).toBe(0);
    });

    test("get alone does not extend the TTL", async () => {
      const s = await store();
      await s.set("k", record("s1"), 200);
      for (let i = 0; i < 5; i++) {
        await Bun.sleep(60);
        await s.get("k");
      }
      expect(await s.get("k")).toBeUndefined();
    });
  });

  describe(`${kind} store: by session id`, () => {
    test("deleteBySessionId forgets every key mapped to that session and nothing else", async () => {
      const s = await store();
      await s.set("a", record("s1"), HOUR);
      await s.set("b", record("s1"), HOUR);
      await s.set("c", record("s2"), HOUR);
      await s.deleteBySessionId("s1");
      expect(await s.get("a")).toBeUndefined();
      expect(await s.get("b")).toBeUndefined();
      expect(await s.get("c")).toEqual(record("s2"));
      expect(await s.size()).toBe(1);
      await s.deleteBySessionId("unknown");
    });

    test("a key that moved to another session survives deleteBySessionId of the old one", async () => {
      const s = await store();
      await s.set("a", record("s1"), HOUR);
      await s.set("a", record("s2"), HOUR);
      await s.deleteBySessionId("s1");
      expect(await s.get("a")).toEqual(record("s2"));
    });

    test("ownerOf answers the owner recorded for a session id, undefined for others", async () => {
      const s = await store();
      await s.set("a", record("s1", "key-A"), HOUR);
      await s.set("b", record("s2", "key-B"), HOUR);
      expect(await s.ownerOf("s1")).toBe("key-A");
      expect(await s.ownerOf("s2")).toBe("key-B");
      expect(await s.ownerOf("s3")).toBeUndefined();
    });

    test("ownerOf outlives the record's TTL for the owner retention, then forgets", async () => {
      const s = await store({ ownerRetentionMs: 500 });
      await s.set("a", record("s1", "key-A"), 100);
      await Bun.sleep(250);
      expect(await s.get("a")).toBeUndefined();
      expect(await s.size()).toBe(0);
      expect(await s.ownerOf("s1")).toBe("key-A");
      await Bun.sleep(400); // ~650 ms after the set
      expect(await s.ownerOf("s1")).toBeUndefined();
    });

    test("deleteBySessionId forgets the owner too", async () => {
      const s = await store();
      await s.set("a", record("s1", "key-A"), HOUR);
      await s.deleteBySessionId("s1");
      expect(await s.ownerOf("s1")).toBeUndefined();
    });
  });

  describe(`${kind} store: size`, () => {
    test("counts live records only", async () => {
      const s = await store();
      expect(await s.size()).toBe(0);
      await s.set("a", record("s1"), HOUR);
      await s.set("b", record("s2"), HOUR);
      await s.set("short", record("s3"), 100);
      expect(await s.size()).toBe(3);
      await Bun.sleep(200);
      expect(await s.size()).toBe(2);
      await s.delete("a");
      expect(await s.size()).toBe(1);
    });
  });

  describe(`${kind} store: lock`, () => {
    test("10 concurrent holders of one key never overlap, all finish, in arrival order", async () => {
      const s = await store();
      const { order, maxInside } = await contend(10, 15, () => s.lock("busy", LOCK));
      expect(maxInside).toBe(1);
      expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(s.heldLocks).toBe(0);
    });

    test("different keys do not wait for each other", async () => {
      const s = await store();
      const hold = async (key: string) => {
        const release = await s.lock(key, LOCK);
        try {
          await Bun.sleep(300);
        } finally {
          await release();
        }
      };
      const t0 = performance.now();
      await Promise.all([hold("left"), hold("right")]);
      const took = performance.now() - t0;
      expect(took).toBeGreaterThanOrEqual(290);
      expect(took).toBeLessThan(500); // serialized would be >= 600
    });

    test("waiting longer than waitMs rejects with LockTimeoutError; the key is usable afterwards", async () => {
      const s = await store();
      const release = await s.lock("k", LOCK);
      const t0 = performance.now();
      const err = await s.lock("k", { waitMs: 200, leaseMs: 2_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const waited = performance.now() - t0;
      expect(err).toBeInstanceOf(LockTimeoutError);
      expect((err as LockTimeoutError).key).toBe("k");
      expect(waited).toBeGreaterThanOrEqual(190);
      expect(waited).toBeLessThan(800);
      await release();
      const t1 = performance.now();
      const again = await s.lock("k", { waitMs: 1_000, leaseMs: 2_000 });
      expect(performance.now() - t1).toBeLessThan(100);
      await again();
      expect(s.heldLocks).toBe(0);
    });

    test("release is idempotent: a second call does not free the next holder's lock", async () => {
      const s = await store();
      const first = await s.lock("k", LOCK);
      await first();
      await first();
      const second = await s.lock("k", { waitMs: 200, leaseMs: 2_000 });
      await first();
      await expect(s.lock("k", { waitMs: 150, leaseMs: 2_000 })).rejects.toBeInstanceOf(LockTimeoutError);
      await second();
      const third = await s.lock("k", { waitMs: 200, leaseMs: 2_000 });
      await third();
      expect(s.heldLocks).toBe(0);
    });

    test("a holder that throws still hands the key on (try/finally)", async () => {
      const s = await store();
      const failing = async () => {
        const release = await s.lock("k", LOCK);
        try {
          throw new Error("upstream failed");
        } finally {
          await release();
        }
      };
      await expect(failing()).rejects.toThrow("upstream failed");
      const next = await s.lock("k", { waitMs: 200, leaseMs: 2_000 });
      await next();
    });
  });
}
