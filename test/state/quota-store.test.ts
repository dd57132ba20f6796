/**
 * The quota store (src/state/types.ts QuotaStore) against memory, SQLite and a real redis-server:
 * one conformance suite for all three, then what each store must get right on its own (several
 * Redis instances or SQLite processes on one limit, keys in Redis, outages).
 *
 * Memory and SQLite run on an injected clock, so minute and day boundaries are crossed exactly and
 * at once; Redis counts by its own TIME, so its runs use real time, short waits, and stay clear of
 * a minute's last seconds. The boundary arithmetic Redis runs is held to the TypeScript by
 * quota-arithmetic.test.ts.
 */

import { Database } from "bun:sqlite";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RedisClient } from "bun";
import { MemorySessionStore } from "../../src/state/memory";
import { DAY_MS, MAX_USAGE_DAYS, utcDay } from "../../src/state/quota-rules";
import { RedisSessionStore } from "../../src/state/redis";
import { MINUTE_MS } from "../../src/state/sliding-window";
import { SqliteSessionStore } from "../../src/state/sqlite";
import { type StateStore, StoreUnavailableError, UsageRangeError } from "../../src/state/types";
import { skipRedis, startRedis, type TestRedis } from "../support/redis";

/** 12:00:30 UTC: half a minute in, so both halves of a window can be tested from here. */
const T0 = Date.UTC(2026, 11, 4, 12, 0, 30);

interface Harness {
  /** A fresh, empty store. */
  make(): Promise<StateStore>;
  /** The store's idea of now (epoch ms). */
  now(): number;
  /** Lets time pass: the injected clock moves at once; Redis really waits (keep it short). */
  advance(ms: number): Promise<void>;
  /** The clock can be moved freely (memory, SQLite): boundary tests run. */
  fakeClock: boolean;
}

const dir = mkdtempSync(join(tmpdir(), "ocigenai-quota-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(dir, `quota-${++files}.db`);

/** A clock tests move by hand, reset to T0 before each test. */
const fake = { t: T0 };
const clock = () => fake.t;

function fakeClockHarness(make: () => Promise<StateStore>): Harness {
  return {
    make,
    now: clock,
    advance: async (ms) => {
      fake.t += ms;
    },
    fakeClock: true,
  };
}

/**
 * Redis's minute turns with real time: start far enough from the turn that a test's estimates are
 * not decayed under it (every such test here takes well under 3 s).
 */
async function awayFromMinuteEdge(): Promise<void> {
  const into = Date.now() % MINUTE_MS;
  if (into > MINUTE_MS - 3_000) await Bun.sleep(MINUTE_MS - into + 20);
}

/** Unique per test, so stores sharing a namespace (Redis) never see another test's counts. */
const newKey = () => `team-${crypto.randomUUID()}`;
const lease = (leaseId: string, limit: number, leaseMs = 60_000) => ({ limit, leaseId, leaseMs });

function quotaStoreContract(kind: StateStore["kind"], h: Harness): void {
  describe(`${kind} quota store`, () => quotaStoreTests(kind, h));
}

function quotaStoreTests(kind: StateStore["kind"], h: Harness): void {
  let open: StateStore[] = [];
  const store = async () => {
    const s = await h.make();
    open.push(s);
    return s;
  };
  beforeEach(async () => {
    fake.t = T0;
    if (!h.fakeClock) await awayFromMinuteEdge();
  });
  afterEach(async () => {
    for (const s of open) await s.close();
    open = [];
  });

  describe(`${kind} quota store: requests per minute`, () => {
    test("admits exactly rpm requests in a minute, then refuses with a retry-after of 1-60 s", async () => {
      const s = await store();
      const key = newKey();
      for (let i = 1; i <= 5; i++) {
        const a = await s.admit({ key, rpm: 5 });
        expect(a.allowed).toBe(true);
        expect(a.refusedBy).toBeUndefined();
        expect(a.requests).toMatchObject({ limit: 5, remaining: 5 - i });
      }
      const refused = await s.admit({ key, rpm: 5 });
      expect(refused).toMatchObject({ allowed: false, refusedBy: "rpm", requests: { limit: 5, remaining: 0 } });
      expect(refused.retryAfterMs).toBeGreaterThanOrEqual(1_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
      expect(refused.requests?.resetMs).toBeGreaterThan(60_000); // this minute's count fades out by the end of the next
      expect(refused.requests?.resetMs).toBeLessThanOrEqual(120_000);
      expect(refused.tokens).toBeUndefined();
      if (h.fakeClock) {
        // 30 s in with 5 of 5: room once 5 × (1 − elapsed) ≤ 4 in the next minute, 12 s into it.
        expect(refused.retryAfterMs).toBe(42_000);
        expect(refused.requests?.resetMs).toBe(90_000);
      }
    });

    test("keys are counted apart", async () => {
      const s = await store();
      const [a, b] = [newKey(), newKey()];
      expect((await s.admit({ key: a, rpm: 1 })).allowed).toBe(true);
      expect((await s.admit({ key: a, rpm: 1 })).allowed).toBe(false);
      expect((await s.admit({ key: b, rpm: 1 })).allowed).toBe(true);
    });

    test("every admitted request counts, with or without rpm", async () => {
      const s = await store();
      const key = newKey();
      for (let i = 0; i < 3; i++) expect((await s.admit({ key })).allowed).toBe(true);
      expect(await s.admit({ key, rpm: 4 })).toMatchObject({ allowed: true, requests: { remaining: 0 } });
      expect(await s.admit({ key, rpm: 4 })).toMatchObject({ allowed: false, refusedBy: "rpm" });
    });

    test("a refused request changes nothing: neither counted nor holding a lease", async () => {
      const s = await store();
      const key = newKey();
      expect((await s.admit({ key, rpm: 1, concurrent: lease("first", 1) })).allowed).toBe(true);
      await s.release(key, "first");
      for (let i = 0; i < 3; i++) {
        const a = await s.admit({ key, rpm: 1, tpm: 1_000, concurrent: lease(`refused-${i}`, 1) });
        expect(a).toMatchObject({ allowed: false, refusedBy: "rpm", requests: { remaining: 0 } });
        expect(a.tokens).toMatchObject({ limit: 1_000, remaining: 1_000, resetMs: 0 });
      }
      // Not one of the refused took the only lease...
      expect((await s.admit({ key, concurrent: lease("after", 1) })).allowed).toBe(true);
      // ...nor counted: the window holds "first" and "after".
      expect(await s.admit({ key, rpm: 3 })).toMatchObject({ allowed: true, requests: { remaining: 0 } });
    });
  });

  describe(`${kind} quota store: tokens per minute and per day`, () => {
    test("tpm: settled input and output tokens count; refused once the minute's tokens reach tpm", async () => {
      const s = await store();
      const key = newKey();
      expect(await s.admit({ key, tpm: 1_000 })).toMatchObject({
        allowed: true,
        tokens: { limit: 1_000, remaining: 1_000, resetMs: 0 },
      });
      await s.settle(key, "fast", { inputTokens: 400, outputTokens: 500 });
      const a = await s.admit({ key, tpm: 1_000 });
      expect(a).toMatchObject({ allowed: true, tokens: { remaining: 100 } });
      expect(a.tokens?.resetMs).toBeGreaterThan(60_000);
      await s.settle(key, "fast", { inputTokens: 0, outputTokens: 100 });
      const refused = await s.admit({ key, tpm: 1_000 });
      expect(refused).toMatchObject({ allowed: false, refusedBy: "tpm", tokens: { remaining: 0 } });
      expect(refused.retryAfterMs).toBeGreaterThanOrEqual(1_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
      expect(await s.admit({ key, tpm: 1_001 })).toMatchObject({ allowed: true, tokens: { remaining: 1 } });
    });

    test("daily: refused once the day's tokens reach it, until the next UTC midnight", async () => {
      const s = await store();
      const key = newKey();
      await s.settle(key, "fast", { inputTokens: 600, outputTokens: 399 });
      expect((await s.admit({ key, dailyTokens: 1_000 })).allowed).toBe(true);
      await s.settle(key, "other", { inputTokens: 1, outputTokens: 0 });
      const refused = await s.admit({ key, dailyTokens: 1_000 });
      expect(refused).toMatchObject({ allowed: false, refusedBy: "daily_tokens" });
      const untilMidnight = DAY_MS - (h.now() % DAY_MS);
      expect(Math.abs((refused.retryAfterMs ?? 0) - Math.max(1_000, untilMidnight))).toBeLessThan(5_000);
      if (h.fakeClock) expect(refused.retryAfterMs).toBe(untilMidnight);
      expect(refused.requests).toBeUndefined();
      expect(refused.tokens).toBeUndefined();
    });

    test("token counts are taken whole; missing, negative or non-finite ones count 0", async () => {
      const s = await store();
      const key = newKey();
      await s.settle(key, "fast", { inputTokens: 10.9, outputTokens: -5 });
      await s.settle(key, "fast", { inputTokens: Number.NaN, outputTokens: Number.POSITIVE_INFINITY });
      await s.settle(key, "fast", { inputTokens: undefined as unknown as number, outputTokens: 3 });
      expect(await s.admit({ key, tpm: 100 })).toMatchObject({ tokens: { remaining: 87 } });
      const day = utcDay(h.now());
      expect(await s.usage({ from: day, to: day, key })).toEqual([
        { day, key, alias: "fast", requests: 3, inputTokens: 10, outputTokens: 3 },
      ]);
    });
  });

  describe(`${kind} quota store: concurrent requests`, () => {
    test("leases limit concurrency; release frees one; releasing twice or an unknown lease is harmless", async () => {
      const s = await store();
      const key = newKey();
      expect((await s.admit({ key, concurrent: lease("a", 2) })).allowed).toBe(true);
      expect((await s.admit({ key, concurrent: lease("b", 2) })).allowed).toBe(true);
      const refused = await s.admit({ key, concurrent: lease("c", 2) });
      expect(refused).toMatchObject({ allowed: false, refusedBy: "max_concurrent" });
      expect(refused.retryAfterMs).toBeGreaterThanOrEqual(1_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(5_000);
      expect(refused.retryAfterMs).toBe(5_000); // the earliest lease ends in 60 s: capped
      await s.release(key, "a");
      await s.release(key, "a");
      await s.release(key, "never-taken");
      await s.release(newKey(), "a");
      expect((await s.admit({ key, concurrent: lease("c", 2) })).allowed).toBe(true);
      expect((await s.admit({ key, concurrent: lease("d", 2) })).allowed).toBe(false);
    });

    test("a settlement given the request's lease frees it in the same step, and counts as any settlement", async () => {
      const s = await store();
      const key = newKey();
      expect((await s.admit({ key, tpm: 1_000, concurrent: lease("a", 1) })).allowed).toBe(true);
      expect((await s.admit({ key, tpm: 1_000, concurrent: lease("b", 1) })).allowed).toBe(false);
      await s.settle(key, "fast", { inputTokens: 300, outputTokens: 200 }, "a");
      expect((await s.admit({ key, tpm: 1_000, concurrent: lease("b", 1) })).allowed).toBe(true);
      await s.settle(key, "fast", { inputTokens: 300, outputTokens: 200 }, "b");
      // The two settlements' 1,000 tokens fill the minute: refused by tpm, no longer by the lease.
      expect(await s.admit({ key, tpm: 1_000, concurrent: lease("c", 1) })).toMatchObject({
        allowed: false,
        refusedBy: "tpm",
      });
      await s.settle(key, "fast", { inputTokens: 1, outputTokens: 0 }, "never-taken"); // harmless
    });

    test("a lease not released frees itself when leaseMs has passed", async () => {
      const s = await store();
      const key = newKey();
      expect((await s.admit({ key, concurrent: lease("crashed", 1, 200) })).allowed).toBe(true);
      const refused = await s.admit({ key, concurrent: lease("next", 1, 200) });
      expect(refused).toMatchObject({ allowed: false, refusedBy: "max_concurrent", retryAfterMs: 1_000 });
      await h.advance(250);
      expect((await s.admit({ key, concurrent: lease("next", 1, 60_000) })).allowed).toBe(true);
      await s.release(key, "crashed"); // already expired: harmless
      expect((await s.admit({ key, concurrent: lease("third", 1) })).allowed).toBe(false);
    });

    test("renewLease keeps a live lease past its expiry; an expired or released one stays gone", async () => {
      const s = await store();
      const key = newKey();
      expect((await s.admit({ key, concurrent: lease("long", 1, 200) })).allowed).toBe(true);
      await h.advance(150);
      await s.renewLease(key, "long", 200);
      await h.advance(150); // past the first expiry, within the renewed one
      expect((await s.admit({ key, concurrent: lease("next", 1, 200) })).allowed).toBe(false);
      await h.advance(100);
      await s.renewLease(key, "long", 60_000); // expired by now: not brought back
      expect((await s.admit({ key, concurrent: lease("next", 1, 60_000) })).allowed).toBe(true);
      await s.release(key, "next");
      await s.renewLease(key, "next", 60_000); // released: stays free
      expect((await s.admit({ key, concurrent: lease("third", 1) })).allowed).toBe(true);
    });

    test("admitting a live lease id again renews it and counts it once", async () => {
      const s = await store();
      const key = newKey();
      expect((await s.admit({ key, concurrent: lease("a", 2) })).allowed).toBe(true);
      expect((await s.admit({ key, concurrent: lease("a", 2) })).allowed).toBe(true);
      expect((await s.admit({ key, concurrent: lease("b", 2) })).allowed).toBe(true);
      expect((await s.admit({ key, concurrent: lease("c", 2) })).allowed).toBe(false);
    });
  });

  describe(`${kind} quota store: order and limits`, () => {
    test("the first spent limit refuses, in the order rpm, tpm, daily, concurrent", async () => {
      const s = await store();
      const key = newKey();
      expect((await s.admit({ key, concurrent: lease("held", 1) })).allowed).toBe(true);
      await s.settle(key, "fast", { inputTokens: 50, outputTokens: 50 });
      const all = { key, tpm: 100, dailyTokens: 100, concurrent: lease("new", 1) };
      expect((await s.admit({ ...all, rpm: 1 })).refusedBy).toBe("rpm");
      expect((await s.admit({ ...all, rpm: 10 })).refusedBy).toBe("tpm");
      expect((await s.admit({ ...all, rpm: 10, tpm: 1_000 })).refusedBy).toBe("daily_tokens");
      expect((await s.admit({ ...all, rpm: 10, tpm: 1_000, dailyTokens: 1_000 })).refusedBy).toBe("max_concurrent");
      expect(
        (await s.admit({ ...all, rpm: 10, tpm: 1_000, dailyTokens: 1_000, concurrent: lease("new", 2) })).allowed,
      ).toBe(true);
    });

    test("a limit of 0 refuses every request", async () => {
      const s = await store();
      const key = newKey();
      expect(await s.admit({ key, rpm: 0 })).toMatchObject({ allowed: false, refusedBy: "rpm", retryAfterMs: 60_000 });
      expect(await s.admit({ key, tpm: 0 })).toMatchObject({ allowed: false, refusedBy: "tpm", retryAfterMs: 60_000 });
      expect((await s.admit({ key, dailyTokens: 0 })).refusedBy).toBe("daily_tokens");
      expect(await s.admit({ key, concurrent: lease("a", 0) })).toMatchObject({
        refusedBy: "max_concurrent",
        retryAfterMs: 5_000,
      });
    });

    test("malformed limits throw RangeError, not a 503, and count nothing", async () => {
      const s = await store();
      const key = newKey();
      for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e12]) {
        await expect(s.admit({ key, rpm: bad })).rejects.toBeInstanceOf(RangeError);
        await expect(s.admit({ key, tpm: bad })).rejects.toBeInstanceOf(RangeError);
        await expect(s.admit({ key, dailyTokens: bad })).rejects.toBeInstanceOf(RangeError);
        await expect(s.admit({ key, concurrent: lease("a", bad) })).rejects.toBeInstanceOf(RangeError);
      }
      await expect(s.admit({ key, concurrent: lease("a", 1, 0) })).rejects.toBeInstanceOf(RangeError);
      await expect(s.admit({ key, concurrent: lease("", 1) })).rejects.toBeInstanceOf(RangeError);
      expect(await s.admit({ key, rpm: 1 })).toMatchObject({ allowed: true });
    });
  });

  describe(`${kind} quota store: the usage ledger`, () => {
    test("one row per day, key and alias, sorted by day, key, alias; filtered by key", async () => {
      const s = await store();
      const [k1, k2] = [`b-${newKey()}`, `a-${newKey()}`];
      await s.settle(k1, "fast", { inputTokens: 10, outputTokens: 1 });
      await s.settle(k1, "fast", { inputTokens: 20, outputTokens: 2 });
      await s.settle(k1, "deep", { inputTokens: 5, outputTokens: 5 });
      await s.settle(k2, "fast", { inputTokens: 0, outputTokens: 0 });
      const day = utcDay(h.now());
      const rows = await s.usage({ from: day, to: day });
      expect(rows.filter((r) => r.key === k1 || r.key === k2)).toEqual([
        { day, key: k2, alias: "fast", requests: 1, inputTokens: 0, outputTokens: 0 },
        { day, key: k1, alias: "deep", requests: 1, inputTokens: 5, outputTokens: 5 },
        { day, key: k1, alias: "fast", requests: 2, inputTokens: 30, outputTokens: 3 },
      ]);
      expect(await s.usage({ from: day, to: day, key: k2 })).toEqual([
        { day, key: k2, alias: "fast", requests: 1, inputTokens: 0, outputTokens: 0 },
      ]);
      expect(await s.usage({ from: day, to: day, key: newKey() })).toEqual([]);
      const yesterday = utcDay(h.now() - DAY_MS);
      expect(await s.usage({ from: yesterday, to: yesterday, key: k1 })).toEqual([]);
      expect(await s.usage({ from: yesterday, to: utcDay(h.now() + DAY_MS), key: k2 })).toHaveLength(1);
    });

    test("a settlement of several answers counts them all; a bad count counts one", async () => {
      const s = await store();
      const k = newKey();
      await s.settle(k, "fast", { inputTokens: 30, outputTokens: 3, requests: 3 });
      await s.settle(k, "fast", { inputTokens: 1, outputTokens: 1, requests: 0 });
      await s.settle(k, "fast", { inputTokens: 1, outputTokens: 1, requests: 2.5 });
      const day = utcDay(h.now());
      expect(await s.usage({ from: day, to: day, key: k })).toEqual([
        { day, key: k, alias: "fast", requests: 5, inputTokens: 32, outputTokens: 5 },
      ]);
    });

    test("keys and aliases with separators in their names stay apart", async () => {
      const s = await store();
      const base = newKey();
      await s.settle(`${base}:x`, "y", { inputTokens: 1, outputTokens: 0 });
      await s.settle(base, "x:y", { inputTokens: 2, outputTokens: 0 });
      await s.settle(`${base}"]`, '["', { inputTokens: 3, outputTokens: 0 });
      const day = utcDay(h.now());
      const mine = (await s.usage({ from: day, to: day })).filter((r) => r.key.startsWith(base));
      expect(mine.map((r) => [r.key, r.alias, r.inputTokens])).toEqual([
        [base, "x:y", 2],
        [`${base}"]`, '["', 3],
        [`${base}:x`, "y", 1],
      ]);
    });

    test("a malformed, reversed or too long range is a UsageRangeError", async () => {
      const s = await store();
      for (const [from, to] of [
        ["2026-12-05", "2026-12-04"],
        ["2026-13-01", "2026-12-04"],
        ["2026-02-30", "2026-03-01"],
        ["26-12-04", "2026-12-04"],
        ["2026-12-04T00:00:00Z", "2026-12-04"],
        ["", "2026-12-04"],
        ["2025-01-01", "2026-02-05"], // 401 days
      ] as const)
        await expect(s.usage({ from, to })).rejects.toBeInstanceOf(UsageRangeError);
      const to = utcDay(Date.UTC(2026, 0, 1) + (MAX_USAGE_DAYS - 1) * DAY_MS);
      expect(await s.usage({ from: "2026-01-01", to, key: newKey() })).toEqual([]);
    });
  });

  if (h.fakeClock)
    describe(`${kind} quota store: boundaries (injected clock)`, () => {
      test("the window slides: rpm's retry-after is exact to the millisecond across the minute", async () => {
        const s = await store();
        const key = newKey();
        for (let i = 0; i < 10; i++) expect((await s.admit({ key, rpm: 10 })).allowed).toBe(true);
        // 30 s in with 10 of 10: room once 10 × (1 − elapsed) ≤ 9 in the next minute, 6 s into it.
        expect(await s.admit({ key, rpm: 10 })).toMatchObject({ allowed: false, retryAfterMs: 36_000 });
        await h.advance(35_999);
        expect(await s.admit({ key, rpm: 10 })).toMatchObject({ allowed: false, retryAfterMs: 1_000 });
        await h.advance(1);
        expect(await s.admit({ key, rpm: 10 })).toMatchObject({
          allowed: true,
          requests: { remaining: 0, resetMs: 114_000 },
        });
      });

      test("the previous minute's tokens fade as the current minute passes, and are gone after it", async () => {
        const s = await store();
        const key = newKey();
        await s.settle(key, "fast", { inputTokens: 600, outputTokens: 0 });
        await h.advance(60_000); // 30 s into the next minute: half of 600 still counts
        expect(await s.admit({ key, tpm: 1_000 })).toMatchObject({ tokens: { remaining: 700, resetMs: 30_000 } });
        await h.advance(15_000);
        expect(await s.admit({ key, tpm: 1_000 })).toMatchObject({ tokens: { remaining: 850, resetMs: 15_000 } });
        await h.advance(15_000);
        expect(await s.admit({ key, tpm: 1_000 })).toMatchObject({ tokens: { remaining: 1_000, resetMs: 0 } });
      });

      test("tpm refusal: retry-after is when the estimate falls below tpm", async () => {
        const s = await store();
        const key = newKey();
        await s.settle(key, "fast", { inputTokens: 1_000, outputTokens: 0 });
        // Below 1000 once 1000 × (1 − elapsed) < 1000: 1 ms into the next minute, 30 s from now.
        expect(await s.admit({ key, tpm: 1_000 })).toMatchObject({ refusedBy: "tpm", retryAfterMs: 30_001 });
        await h.advance(30_000);
        expect((await s.admit({ key, tpm: 1_000 })).allowed).toBe(false);
        await h.advance(1);
        expect(await s.admit({ key, tpm: 1_000 })).toMatchObject({ allowed: true, tokens: { remaining: 0 } });
      });

      test("the day's tokens start afresh at UTC midnight; the ledger keeps every day", async () => {
        const s = await store();
        const key = newKey();
        const today = utcDay(h.now());
        await s.settle(key, "fast", { inputTokens: 100, outputTokens: 0 });
        expect((await s.admit({ key, dailyTokens: 100 })).refusedBy).toBe("daily_tokens");
        await h.advance(DAY_MS - (h.now() % DAY_MS) - 1); // 23:59:59.999
        expect(await s.admit({ key, dailyTokens: 100 })).toMatchObject({
          refusedBy: "daily_tokens",
          retryAfterMs: 1_000,
        });
        await h.advance(1);
        const tomorrow = utcDay(h.now());
        expect((await s.admit({ key, dailyTokens: 100 })).allowed).toBe(true);
        await s.settle(key, "fast", { inputTokens: 7, outputTokens: 0 });
        await h.advance(5 * DAY_MS); // long past every counter's expiry: the ledger stays
        await s.settle(key, "deep", { inputTokens: 1, outputTokens: 0 });
        const later = utcDay(h.now());
        expect((await s.usage({ from: today, to: later, key })).map((r) => [r.day, r.alias, r.inputTokens])).toEqual([
          [today, "fast", 100],
          [tomorrow, "fast", 7],
          [later, "deep", 1],
        ]);
        expect(await s.usage({ from: tomorrow, to: tomorrow, key })).toHaveLength(1);
      });

      test("a lease's retry-after is its expiry when sooner than 5 s", async () => {
        const s = await store();
        const key = newKey();
        expect((await s.admit({ key, concurrent: lease("a", 1, 3_500) })).allowed).toBe(true);
        expect((await s.admit({ key, concurrent: lease("b", 1) })).retryAfterMs).toBe(3_500);
        await h.advance(3_000);
        expect((await s.admit({ key, concurrent: lease("b", 1) })).retryAfterMs).toBe(1_000);
      });
    });
}

quotaStoreContract(
  "memory",
  fakeClockHarness(async () => new MemorySessionStore({ clock })),
);
quotaStoreContract(
  "sqlite",
  fakeClockHarness(async () => SqliteSessionStore.open(freshPath(), { clock })),
);

describe("sqlite quota store: the file", () => {
  beforeEach(() => {
    fake.t = T0;
  });

  test("two processes on one file admit exactly rpm between them: 1,200 admissions against rpm 500", async () => {
    const path = freshPath();
    await SqliteSessionStore.open(path).close();
    const key = newKey();
    const child = join(dir, "admit-child.ts");
    await Bun.write(
      child,
      `import { SqliteSessionStore } from ${JSON.stringify(join(import.meta.dir, "../../src/state/sqlite.ts"))};
      const s = SqliteSessionStore.open(process.env.Q_PATH);
      let allowed = 0;
      await Bun.sleep(Math.max(0, Number(process.env.Q_START) - Date.now()));
      for (let i = 0; i < 600; i++) if ((await s.admit({ key: process.env.Q_KEY, rpm: 500 })).allowed) allowed++;
      await s.close();
      console.log(allowed);`,
    );
    await awayFromMinuteEdge();
    // Both start at once, so their admissions interleave.
    const env = { ...process.env, Q_PATH: path, Q_KEY: key, Q_START: String(Date.now() + 300) };
    const procs = [0, 1].map(() => Bun.spawn([process.execPath, child], { env, stdout: "pipe", stderr: "inherit" }));
    const counts = await Promise.all(procs.map(async (p) => Number((await new Response(p.stdout).text()).trim())));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(500);
    const s = SqliteSessionStore.open(path);
    try {
      expect(await s.admit({ key, rpm: 1_000 })).toMatchObject({ requests: { remaining: 499 } });
    } finally {
      await s.close();
    }
  });

  test("two stores on one file share counts, leases and the ledger", async () => {
    const path = freshPath();
    const a = SqliteSessionStore.open(path, { clock });
    const b = SqliteSessionStore.open(path, { clock });
    try {
      const key = newKey();
      let allowed = 0;
      for (let i = 0; i < 20; i++) if ((await (i % 2 ? a : b).admit({ key, rpm: 15 })).allowed) allowed++;
      expect(allowed).toBe(15);
      expect((await a.admit({ key, concurrent: lease("x", 1) })).allowed).toBe(true);
      expect((await b.admit({ key, concurrent: lease("y", 1) })).allowed).toBe(false);
      await b.release(key, "x");
      expect((await b.admit({ key, concurrent: lease("y", 1) })).allowed).toBe(true);
      await a.settle(key, "fast", { inputTokens: 1, outputTokens: 2 });
      const day = utcDay(clock());
      expect(await b.usage({ from: day, to: day, key })).toEqual([
        { day, key, alias: "fast", requests: 1, inputTokens: 1, outputTokens: 2 },
      ]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("old minute buckets, day counters and leases are pruned on writes; ledger rows are kept", async () => {
    const path = freshPath();
    const s = SqliteSessionStore.open(path, { clock });
    const db = new Database(path, { readonly: true });
    const count = (table: string) => db.query<{ n: number }, []>(`SELECT COUNT(*) AS n FROM ${table}`).get()?.n;
    try {
      const key = newKey();
      await s.admit({ key, concurrent: lease("a", 1, 1_000) });
      await s.settle(key, "fast", { inputTokens: 5, outputTokens: 5 });
      expect([count("quota_minutes"), count("quota_days"), count("quota_leases"), count("usage_ledger")]).toEqual([
        1, 1, 1, 1,
      ]);
      fake.t += 3 * DAY_MS;
      await s.settle(key, "fast", { inputTokens: 1, outputTokens: 0 });
      expect([count("quota_minutes"), count("quota_days"), count("quota_leases"), count("usage_ledger")]).toEqual([
        1, 1, 0, 2,
      ]);
    } finally {
      db.close();
      await s.close();
    }
  });

  test("calls after close fail with StoreUnavailableError; bad input still throws its own error", async () => {
    const s = SqliteSessionStore.open(freshPath());
    await s.close();
    await expect(s.admit({ key: "k", rpm: 1 })).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(s.release("k", "a")).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(s.settle("k", "fast", { inputTokens: 1, outputTokens: 1 })).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    await expect(s.usage({ from: "2026-12-04", to: "2026-12-04" })).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(s.admit({ key: "k", rpm: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(s.usage({ from: "x", to: "2026-12-04" })).rejects.toBeInstanceOf(UsageRangeError);
  });
});

describe.skipIf(skipRedis)("Redis quota store (a real redis-server)", () => {
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
  const prefix = () => `q${++n}:`;
  quotaStoreContract("redis", {
    make: async () => new RedisSessionStore(redis.url, { prefix: prefix() }),
    now: () => Date.now(),
    advance: (ms) => Bun.sleep(ms),
    fakeClock: false,
  });

  let stores: RedisSessionStore[] = [];
  const store = (p: string, url = redis.url) => {
    const s = new RedisSessionStore(url, { prefix: p });
    stores.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of stores) await s.close();
    stores = [];
  });

  test("two instances admitting at once never pass a limit: 200 admissions against rpm 50, 100 against 7 leases", async () => {
    const p = prefix();
    const instances = [store(p), store(p)];
    const key = newKey();
    const rpm = await Promise.all(Array.from({ length: 200 }, (_, i) => instances[i % 2]!.admit({ key, rpm: 50 })));
    expect(rpm.filter((a) => a.allowed)).toHaveLength(50);
    expect(rpm.filter((a) => a.refusedBy === "rpm")).toHaveLength(150);
    const other = newKey();
    const leases = await Promise.all(
      Array.from({ length: 100 }, (_, i) => instances[i % 2]!.admit({ key: other, concurrent: lease(`l${i}`, 7) })),
    );
    expect(leases.filter((a) => a.allowed)).toHaveLength(7);
    expect(Number(await raw.send("ZCARD", [`${p}lease:${other}`]))).toBe(7);
  });

  test("keys in Redis: minute counters and day tokens expire, leases are a sorted set, the ledger a hash per day, all by Redis's clock", async () => {
    const p = prefix();
    const s = store(p);
    const key = newKey();
    const [sec] = (await raw.send("TIME", [])) as [string, string];
    const minute = Math.floor((Number(sec) * 1000) / MINUTE_MS);
    const day = utcDay(Number(sec) * 1000);
    await s.admit({ key, concurrent: lease("L1", 5, 30_000) });
    await s.settle(key, "fast", { inputTokens: 3, outputTokens: 4 });
    const pttl = async (k: string) => Number(await raw.send("PTTL", [k]));
    const at = async (k: string) => (await raw.get(k)) ?? (await raw.get(k.replace(`:${minute}:`, `:${minute + 1}:`)));
    expect(await at(`${p}rpm:${minute}:${key}`)).toBe("1");
    expect(await at(`${p}tpm:${minute}:${key}`)).toBe("7");
    expect(await raw.get(`${p}day:${day}:${key}`)).toBe("7");
    expect(await pttl(`${p}day:${day}:${key}`)).toBeGreaterThan(2 * DAY_MS - 10_000);
    const minuteKeys = (await raw.send("KEYS", [`${p}[rt]pm:*`])) as string[];
    expect(minuteKeys).toHaveLength(2);
    for (const k of minuteKeys) expect(await pttl(k)).toBeGreaterThan(140_000);
    expect(await raw.send("ZRANGE", [`${p}lease:${key}`, "0", "-1"])).toEqual(["L1"]);
    expect(await pttl(`${p}lease:${key}`)).toBeGreaterThan(25_000);
    expect(await raw.hgetall(`${p}usage:${day}`)).toEqual({
      [`r:${JSON.stringify([key, "fast"])}`]: "1",
      [`i:${JSON.stringify([key, "fast"])}`]: "3",
      [`o:${JSON.stringify([key, "fast"])}`]: "4",
    });
    expect(await pttl(`${p}usage:${day}`)).toBe(-1); // the ledger is kept
  });

  test("scripts go by SHA; after SCRIPT FLUSH the full script is sent again", async () => {
    const s = store(prefix());
    const key = newKey();
    expect((await s.admit({ key, rpm: 2 })).allowed).toBe(true);
    await raw.send("SCRIPT", ["FLUSH"]);
    expect((await s.admit({ key, rpm: 2 })).allowed).toBe(true);
    await raw.send("SCRIPT", ["FLUSH"]);
    await s.settle(key, "fast", { inputTokens: 1, outputTokens: 1 });
    expect((await s.admit({ key, rpm: 2 })).allowed).toBe(false);
  });

  test("a usage hash holding fields of another shape reads past them", async () => {
    const p = prefix();
    const s = store(p);
    await raw.send("HSET", [
      `${p}usage:2026-01-02`,
      "r:not json",
      "1",
      "x:whatever",
      "2",
      'r:["k","a"]',
      "many",
      'i:["k","a"]',
      "5",
    ]);
    expect(await s.usage({ from: "2026-01-01", to: "2026-01-03" })).toEqual([
      { day: "2026-01-02", key: "k", alias: "a", requests: 0, inputTokens: 5, outputTokens: 0 },
    ]);
  });

  describe("Redis down", () => {
    let own: TestRedis;
    beforeAll(async () => {
      own = await startRedis();
    });
    afterAll(async () => {
      await own?.stop();
    });

    test("every quota call rejects with StoreUnavailableError within 2 s (never 'allowed'); after a restart it works", async () => {
      const s = store("q:", own.url);
      const key = newKey();
      expect((await s.admit({ key, rpm: 1 })).allowed).toBe(true);
      await own.stop();
      const calls: [string, () => Promise<unknown>][] = [
        ["admit", () => s.admit({ key, rpm: 1 })],
        ["release", () => s.release(key, "a")],
        ["settle", () => s.settle(key, "fast", { inputTokens: 1, outputTokens: 1 })],
        ["usage", () => s.usage({ from: "2026-12-04", to: "2026-12-04" })],
      ];
      for (const [name, call] of calls) {
        const t0 = performance.now();
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect({ name, unavailable: error instanceof StoreUnavailableError }).toEqual({ name, unavailable: true });
        expect({ name, fast: performance.now() - t0 < 2_000 }).toEqual({ name, fast: true });
      }
      await own.restart(); // empty: no persistence, and no cached scripts
      expect((await s.admit({ key, rpm: 1 })).allowed).toBe(true);
    });
  });
});
