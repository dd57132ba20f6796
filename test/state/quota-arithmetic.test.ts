/**
 * The quota arithmetic: the sliding-window functions and the admission decision in TypeScript
 * (memory, SQLite) are exact, and their Lua twins (run by Redis inside its scripts) give the same
 * answers on the same inputs, checked on a real redis-server over thousands of cases, boundaries
 * included. That is what lets the Redis store's minute boundaries go untested with a fake clock.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RedisClient } from "bun";
import { type Counts, DAY_MS, decide, type Limits, QUOTA_RULES_LUA, utcDay } from "../../src/state/quota-rules";
import { MINUTE_MS, remaining, resetIn, waitFor, weighted } from "../../src/state/sliding-window";
import { skipRedis, startRedis, type TestRedis } from "../support/redis";

/** A small seeded generator (mulberry32), so a failing case is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rnd = random(14);
const int = (max: number) => Math.floor(rnd() * (max + 1));
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length - 1)]!;

/** The window's weighted count `dt` ms later if nothing new arrives (buckets roll at minute ends). */
function weightedLater(elapsed: number, prev: number, cur: number, dt: number): number {
  const e = elapsed + dt;
  if (e < MINUTE_MS) return weighted(e, prev, cur);
  if (e < 2 * MINUTE_MS) return weighted(e - MINUTE_MS, cur, 0);
  return 0;
}

const elapsedAt = () => pick([0, 1, 29_999, 30_000, 59_998, 59_999, int(59_999), int(59_999)]);
const count = (near: number) =>
  pick([0, 1, near - 1, near, near + 1, int(Math.max(1, near * 2)), int(1_000_000_000)].map((n) => Math.max(0, n)));
const limitOf = () => pick([0, 1, 2, 5, 10, 50, 60, 100, 1_000, 7_919, 1_000_000, int(100_000_000)]);

describe("sliding window (TypeScript)", () => {
  test("the estimate is prev × (1 − elapsed fraction) + cur, in units of 1/60000", () => {
    expect(weighted(0, 10, 3)).toBe(13 * MINUTE_MS);
    expect(weighted(30_000, 10, 3)).toBe(8 * MINUTE_MS);
    expect(weighted(59_999, 10, 0)).toBe(10);
    expect(remaining(30_000, 10, 3, 10)).toBe(2);
    expect(remaining(30_000, 10, 3, 5)).toBe(0);
    expect(remaining(45_000, 3, 0, 10)).toBe(9); // 0.75 counted: 9.25 left, 9 whole
  });

  test("reset is when the window is empty: the current count fades by the end of the next minute", () => {
    expect(resetIn(20_000, 5, 1)).toBe(100_000);
    expect(resetIn(20_000, 5, 0)).toBe(40_000);
    expect(resetIn(20_000, 0, 0)).toBe(0);
    for (let i = 0; i < 2_000; i++) {
      const [e, prev, cur] = [elapsedAt(), count(10), count(10)];
      const r = resetIn(e, prev, cur);
      expect(weightedLater(e, prev, cur, r)).toBe(0);
      if (r > 0) expect(weightedLater(e, prev, cur, r - 1)).toBeGreaterThan(0);
    }
  });

  test("waitFor is exact: room at that millisecond, none a millisecond before; -1 only when there never is", () => {
    let checked = 0;
    for (let i = 0; i < 20_000; i++) {
      const limit = limitOf();
      const most = pick([(limit - 1) * MINUTE_MS, limit * MINUTE_MS - 1]);
      const [e, prev, cur] = [elapsedAt(), count(limit), count(limit)];
      const w = waitFor(e, prev, cur, most);
      const at = { e, prev, cur, most, w };
      if (w < 0) {
        expect({ ...at, never: most < 0 && weighted(e, prev, cur) > most }).toEqual({ ...at, never: true });
        continue;
      }
      expect({ ...at, room: weightedLater(e, prev, cur, w) <= most }).toEqual({ ...at, room: true });
      if (w > 0) {
        expect({ ...at, before: weightedLater(e, prev, cur, w - 1) > most }).toEqual({ ...at, before: true });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1_000);
  });
});

describe("admission decision (TypeScript)", () => {
  const none: Limits = { rpm: -1, tpm: -1, daily: -1, concurrent: -1, leaseId: "", leaseMs: 0 };
  const zero: Counts = { reqPrev: 0, reqCur: 0, tokPrev: 0, tokCur: 0, dayTokens: 0, leases: 0, earliestLeaseEnd: 0 };
  const now = Date.UTC(2026, 11, 4, 23, 59, 30);

  test("rows: [allowed, refused by, retry, requests left, requests reset, tokens left, tokens reset]", () => {
    expect(decide(now, none, zero)).toEqual([1, 0, 0, -1, -1, -1, -1]);
    expect(decide(now, { ...none, rpm: 3, tpm: 100 }, { ...zero, reqCur: 1, tokPrev: 40 })).toEqual([
      1, 0, 0, 1, 90_000, 80, 30_000,
    ]);
    expect(decide(now, { ...none, rpm: 2 }, { ...zero, reqCur: 2 })).toEqual([0, 1, 60_000, 0, 90_000, -1, -1]);
    expect(decide(now, { ...none, daily: 10 }, { ...zero, dayTokens: 10 })).toEqual([0, 3, 30_000, -1, -1, -1, -1]);
    expect(decide(now, { ...none, concurrent: 1 }, { ...zero, leases: 1, earliestLeaseEnd: now + 2_500 })).toEqual([
      0, 4, 2_500, -1, -1, -1, -1,
    ]);
  });

  test("utcDay is the calendar day in UTC", () => {
    expect(utcDay(0)).toBe("1970-01-01");
    expect(utcDay(Date.UTC(2024, 1, 29, 23, 59, 59, 999))).toBe("2024-02-29");
    expect(utcDay(Date.UTC(2024, 2, 1))).toBe("2024-03-01");
    expect(utcDay(now)).toBe("2026-12-04");
  });
});

describe.skipIf(skipRedis)("the Lua twin gives the TypeScript's answers (a real redis-server)", () => {
  let redis: TestRedis;
  let c: RedisClient;
  beforeAll(async () => {
    redis = await startRedis();
    c = new RedisClient(redis.url);
    await c.connect();
  });
  afterAll(async () => {
    c?.close();
    await redis?.stop();
  });

  /** Runs `call` (a Lua expression over the case `c`) for each case; the values come back as %.17g text, unrounded. */
  async function lua(call: string, cases: unknown[][]): Promise<string[][]> {
    const script = `${QUOTA_RULES_LUA}
      local out = {}
      for _, c in ipairs(cjson.decode(ARGV[1])) do
        local v = ${call}
        if type(v) ~= 'table' then v = { v } end
        local row = {}
        for i, x in ipairs(v) do
          if type(x) == 'number' then row[i] = string.format('%.17g', x) else row[i] = x end
        end
        out[#out + 1] = row
      end
      return out`;
    return (await c.send("EVAL", [script, "0", JSON.stringify(cases)])) as string[][];
  }

  test("sliding-window functions: 6,000 cases", async () => {
    const cases = Array.from({ length: 6_000 }, () => {
      const limit = limitOf();
      return [elapsedAt(), count(limit), count(limit), limit, pick([(limit - 1) * MINUTE_MS, limit * MINUTE_MS - 1])];
    });
    const got = await lua(
      "{ weighted(c[1], c[2], c[3]), wait_for(c[1], c[2], c[3], c[5]), remaining(c[1], c[2], c[3], c[4]), reset_in(c[1], c[2], c[3]) }",
      cases,
    );
    const mismatches = cases.flatMap((k, i) => {
      const [e, prev, cur, limit, most] = k as number[];
      const ts = [
        weighted(e!, prev!, cur!),
        waitFor(e!, prev!, cur!, most!),
        remaining(e!, prev!, cur!, limit!),
        resetIn(e!, prev!, cur!),
      ];
      const l = got[i]!.map(Number);
      return ts.every((x, j) => x === l[j]) ? [] : [{ case: k, ts, lua: got[i] }];
    });
    expect(mismatches).toEqual([]);
  });

  test("the admission decision: 6,000 cases, boundaries of minutes and days included", async () => {
    const cases = Array.from({ length: 6_000 }, () => {
      const day = Date.UTC(2020, 0, 1) + int(4_000) * DAY_MS;
      const minute = day + pick([0, int(1_439), 1_439]) * MINUTE_MS;
      const now = minute + elapsedAt();
      const [rpm, tpm, daily, conc] = [limitOf(), limitOf(), limitOf(), pick([0, 1, 2, 10])];
      const l: Limits = {
        rpm: pick([-1, rpm]),
        tpm: pick([-1, tpm]),
        daily: pick([-1, daily]),
        concurrent: pick([-1, conc]),
        leaseId: "l",
        leaseMs: 1_000,
      };
      const leases = pick([0, conc - 1, conc, conc + 1].map((n) => Math.max(0, n)));
      const k: Counts = {
        reqPrev: count(rpm),
        reqCur: count(rpm),
        tokPrev: count(tpm),
        tokCur: count(tpm),
        dayTokens: count(daily),
        leases,
        earliestLeaseEnd: leases > 0 ? now + pick([1, 999, 1_000, 4_999, 5_000, 5_001, int(600_000)]) : 0,
      };
      return { now, l, k };
    });
    const got = await lua(
      "decide(c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12])",
      cases.map(({ now, l, k }) => [
        now,
        l.rpm,
        l.tpm,
        l.daily,
        l.concurrent,
        k.reqPrev,
        k.reqCur,
        k.tokPrev,
        k.tokCur,
        k.dayTokens,
        k.leases,
        k.earliestLeaseEnd,
      ]),
    );
    const refusedBy = new Set<number>();
    const mismatches = cases.flatMap(({ now, l, k }, i) => {
      const ts = decide(now, l, k);
      refusedBy.add(ts[1]);
      const l2 = got[i]!.map(Number);
      return ts.every((x, j) => x === l2[j]) ? [] : [{ now, l, k, ts, lua: got[i] }];
    });
    expect(mismatches).toEqual([]);
    expect([...refusedBy].sort()).toEqual([0, 1, 2, 3, 4]); // every branch was taken
  });

  test("utc_day: 4,000 times from 1970 to 9999, leap days and month ends included", async () => {
    const special = [
      0,
      Date.UTC(1972, 1, 29),
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      Date.UTC(2000, 2, 1),
      Date.UTC(2100, 1, 28, 12),
      Date.UTC(2100, 2, 1),
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2027, 0, 1),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    ];
    const times = [...special, ...Array.from({ length: 4_000 }, () => Math.floor(rnd() * Date.UTC(9999, 11, 31)))];
    const got = await lua(
      "utc_day(c[1])",
      times.map((t) => [t]),
    );
    const mismatches = times.flatMap((t, i) =>
      utcDay(t) === got[i]![0] ? [] : [{ t, ts: utcDay(t), lua: got[i]![0] }],
    );
    expect(mismatches).toEqual([]);
  });
});
