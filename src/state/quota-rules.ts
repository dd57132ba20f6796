/**
 * The quota rules every store applies (docs/operations.md#quotas-and-usage-in-the-state-store):
 * the admission decision, UTC days, and the checks on what callers pass. Memory and SQLite call
 * the TypeScript; Redis runs the Lua twin (`QUOTA_RULES_LUA`) inside its scripts so an admission
 * stays one atomic round trip. test/state/quota-arithmetic.test.ts holds the two to the same answers.
 */

import { MINUTE_MS, remaining, resetIn, SLIDING_WINDOW_LUA, waitFor, weighted } from "./sliding-window";
import { type Admission, type AdmitRequest, type LimitName, UsageRangeError, type UsageRow } from "./types";

export const DAY_MS = 86_400_000;
/** No refusal asks for less: a client retrying sooner would only be refused again. */
export const MIN_RETRY_MS = 1_000;
/** A minute window always has room within a minute of its last count, so no wait is longer. */
export const WINDOW_RETRY_CAP_MS = MINUTE_MS;
/**
 * Leases usually end long before they expire (the request finishes), so the earliest expiry
 * overstates the wait; a refused caller is asked to come back after at most this.
 */
export const CONCURRENCY_RETRY_CAP_MS = 5_000;
/** A minute bucket is read during its minute and the next; this keeps it a little longer. */
export const MINUTE_BUCKET_TTL_MS = 150_000;
/** A day's token counter is read during its day only; kept two days for whoever looks at it late. */
export const DAY_COUNTER_TTL_MS = 2 * DAY_MS;
/** The longest range `usage()` answers: Redis reads one hash per day. */
export const MAX_USAGE_DAYS = 400;
/** Larger limits would lose whole-number exactness once weighted (× 60,000) as doubles. */
export const MAX_LIMIT = 100_000_000_000;

/** An admission's limits as the rules take them: -1 for a limit not given. */
export interface Limits {
  rpm: number;
  tpm: number;
  daily: number;
  concurrent: number;
  leaseId: string;
  /** Whole milliseconds (0 when no lease is taken). */
  leaseMs: number;
}

/** What the store holds for a key at the moment of admission. */
export interface Counts {
  reqPrev: number;
  reqCur: number;
  tokPrev: number;
  tokCur: number;
  dayTokens: number;
  /** Leases not yet expired. */
  leases: number;
  /** Epoch ms when the first live lease expires; 0 when there is none. */
  earliestLeaseEnd: number;
}

/**
 * The decision as a flat row, the shape a Lua script can return:
 * [allowed 0|1, refused by (0 none, 1 rpm, 2 tpm, 3 daily, 4 concurrent), retry-after ms,
 *  requests remaining, requests reset ms, tokens remaining, tokens reset ms] (-1 where not given).
 */
export type Verdict = [number, number, number, number, number, number, number];

const REFUSED_BY: readonly (LimitName | undefined)[] = [undefined, "rpm", "tpm", "daily_tokens", "max_concurrent"];

function windowRetry(wait: number): number {
  return wait < 0 ? WINDOW_RETRY_CAP_MS : Math.min(WINDOW_RETRY_CAP_MS, Math.max(MIN_RETRY_MS, wait));
}

/**
 * Checks rpm (estimate + 1 ≤ rpm), tpm (estimate < tpm), the day (tokens < daily) and
 * concurrency (live leases < limit), in that order; the first without room refuses. The request
 * limit states are what the window holds after the call: this request counted when admitted.
 */
export function decide(now: number, l: Limits, c: Counts): Verdict {
  const elapsed = now - Math.floor(now / MINUTE_MS) * MINUTE_MS;
  let refused = 0;
  let retry = 0;
  if (l.rpm >= 0 && weighted(elapsed, c.reqPrev, c.reqCur) > (l.rpm - 1) * MINUTE_MS) {
    refused = 1;
    retry = windowRetry(waitFor(elapsed, c.reqPrev, c.reqCur, (l.rpm - 1) * MINUTE_MS));
  } else if (l.tpm >= 0 && weighted(elapsed, c.tokPrev, c.tokCur) > l.tpm * MINUTE_MS - 1) {
    refused = 2;
    retry = windowRetry(waitFor(elapsed, c.tokPrev, c.tokCur, l.tpm * MINUTE_MS - 1));
  } else if (l.daily >= 0 && c.dayTokens >= l.daily) {
    refused = 3;
    retry = Math.max(MIN_RETRY_MS, DAY_MS - (now - Math.floor(now / DAY_MS) * DAY_MS));
  } else if (l.concurrent >= 0 && c.leases >= l.concurrent) {
    refused = 4;
    retry =
      c.earliestLeaseEnd > 0
        ? Math.min(CONCURRENCY_RETRY_CAP_MS, Math.max(MIN_RETRY_MS, c.earliestLeaseEnd - now))
        : CONCURRENCY_RETRY_CAP_MS;
  }
  const reqCur = refused === 0 ? c.reqCur + 1 : c.reqCur;
  return [
    refused === 0 ? 1 : 0,
    refused,
    retry,
    l.rpm >= 0 ? remaining(elapsed, c.reqPrev, reqCur, l.rpm) : -1,
    l.rpm >= 0 ? resetIn(elapsed, c.reqPrev, reqCur) : -1,
    l.tpm >= 0 ? remaining(elapsed, c.tokPrev, c.tokCur, l.tpm) : -1,
    l.tpm >= 0 ? resetIn(elapsed, c.tokPrev, c.tokCur) : -1,
  ];
}

export function toAdmission(req: AdmitRequest, v: Verdict): Admission {
  const a: Admission = { allowed: v[0] === 1 };
  if (v[1] !== 0) {
    a.refusedBy = REFUSED_BY[v[1]];
    a.retryAfterMs = v[2];
  }
  if (req.rpm !== undefined) a.requests = { limit: req.rpm, remaining: v[3], resetMs: v[4] };
  if (req.tpm !== undefined) a.tokens = { limit: req.tpm, remaining: v[5], resetMs: v[6] };
  return a;
}

/** Checks what the caller asked for; a bad limit is a programming or configuration error. */
export function limitsOf(req: AdmitRequest): Limits {
  const c = req.concurrent;
  if (c !== undefined) {
    if (typeof c.leaseId !== "string" || c.leaseId === "")
      throw new RangeError("concurrent.leaseId must be a non-empty string");
    if (!Number.isFinite(c.leaseMs) || c.leaseMs <= 0)
      throw new RangeError(`concurrent.leaseMs must be a positive number, got ${c.leaseMs}`);
  }
  return {
    rpm: limit("rpm", req.rpm),
    tpm: limit("tpm", req.tpm),
    daily: limit("dailyTokens", req.dailyTokens),
    concurrent: limit("concurrent.limit", c?.limit),
    leaseId: c?.leaseId ?? "",
    leaseMs: c ? Math.ceil(c.leaseMs) : 0,
  };
}

function limit(name: string, v: number | undefined): number {
  if (v === undefined) return -1;
  if (!Number.isSafeInteger(v) || v < 0 || v > MAX_LIMIT)
    throw new RangeError(`${name} must be a whole number from 0 to ${MAX_LIMIT}, got ${v}`);
  return v;
}

/** Token counts as counted: whole, and 0 for anything missing or negative (a usage never fails to be recorded). */
export function tokensOf(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

let cachedDayNumber = Number.NaN;
let cachedDay = "";

/** The UTC day of an epoch-ms time, `YYYY-MM-DD` (the last one is remembered: most calls ask for today). */
export function utcDay(ms: number): string {
  const d = Math.floor(ms / DAY_MS);
  if (d !== cachedDayNumber) {
    cachedDay = new Date(d * DAY_MS).toISOString().slice(0, 10);
    cachedDayNumber = d;
  }
  return cachedDay;
}

/** The days of a usage range, first to last; throws UsageRangeError for a range no store answers. */
export function usageDays(filter: { from: string; to: string }): string[] {
  const from = dayNumber(filter.from, "from");
  const to = dayNumber(filter.to, "to");
  if (to < from) throw new UsageRangeError(`usage range: from (${filter.from}) is after to (${filter.to})`);
  const n = to - from + 1;
  if (n > MAX_USAGE_DAYS)
    throw new UsageRangeError(`usage range ${filter.from}..${filter.to} spans ${n} days; at most ${MAX_USAGE_DAYS}`);
  return Array.from({ length: n }, (_, i) => utcDay((from + i) * DAY_MS));
}

function dayNumber(s: string, name: string): number {
  const ms = typeof s === "string" && /^\d{4}-\d{2}-\d{2}$/.test(s) ? Date.parse(`${s}T00:00:00Z`) : Number.NaN;
  if (!Number.isFinite(ms) || utcDay(ms) !== s)
    throw new UsageRangeError(`usage range: ${name} must be a UTC day as YYYY-MM-DD, got ${JSON.stringify(s)}`);
  return ms / DAY_MS;
}

const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** By day, key, alias, comparing UTF-16 code units, so every store sorts alike whatever SQLite's collation. */
export function sortUsage(rows: UsageRow[]): UsageRow[] {
  return rows.sort((x, y) => order(x.day, y.day) || order(x.key, y.key) || order(x.alias, y.alias));
}

/**
 * The Lua twin of `decide` and `utcDay`, plus the sliding-window functions they use. `utc_day` is
 * the civil-from-days conversion (the Lua sandbox has no `os.date`).
 */
export const QUOTA_RULES_LUA = `${SLIDING_WINDOW_LUA}
local DAY_MS = 86400000
local MIN_RETRY_MS = 1000
local WINDOW_RETRY_CAP_MS = 60000
local CONCURRENCY_RETRY_CAP_MS = 5000
local function window_retry(wait)
  if wait < 0 then return WINDOW_RETRY_CAP_MS end
  return math.min(WINDOW_RETRY_CAP_MS, math.max(MIN_RETRY_MS, wait))
end
local function decide(now, rpm, tpm, daily, climit, r_prev, r_cur, t_prev, t_cur, day_tokens, leases, earliest)
  local elapsed = now - math.floor(now / MINUTE_MS) * MINUTE_MS
  local refused, retry = 0, 0
  if rpm >= 0 and weighted(elapsed, r_prev, r_cur) > (rpm - 1) * MINUTE_MS then
    refused = 1
    retry = window_retry(wait_for(elapsed, r_prev, r_cur, (rpm - 1) * MINUTE_MS))
  elseif tpm >= 0 and weighted(elapsed, t_prev, t_cur) > tpm * MINUTE_MS - 1 then
    refused = 2
    retry = window_retry(wait_for(elapsed, t_prev, t_cur, tpm * MINUTE_MS - 1))
  elseif daily >= 0 and day_tokens >= daily then
    refused = 3
    retry = math.max(MIN_RETRY_MS, DAY_MS - (now - math.floor(now / DAY_MS) * DAY_MS))
  elseif climit >= 0 and leases >= climit then
    refused = 4
    if earliest > 0 then
      retry = math.min(CONCURRENCY_RETRY_CAP_MS, math.max(MIN_RETRY_MS, earliest - now))
    else
      retry = CONCURRENCY_RETRY_CAP_MS
    end
  end
  local req_cur = r_cur
  if refused == 0 then req_cur = r_cur + 1 end
  local v = { 0, refused, retry, -1, -1, -1, -1 }
  if refused == 0 then v[1] = 1 end
  if rpm >= 0 then
    v[4] = remaining(elapsed, r_prev, req_cur, rpm)
    v[5] = reset_in(elapsed, r_prev, req_cur)
  end
  if tpm >= 0 then
    v[6] = remaining(elapsed, t_prev, t_cur, tpm)
    v[7] = reset_in(elapsed, t_prev, t_cur)
  end
  return v
end
local function utc_day(now)
  local z = math.floor(now / DAY_MS) + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp - 9
  if mp < 10 then m = mp + 3 end
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return string.format('%04d-%02d-%02d', y, m, d)
end
`;
