/**
 * The sliding-window counter behind the per-minute quotas (docs/operations.md#quotas-and-usage-in-the-state-store).
 * Counts live in fixed buckets per epoch minute; the window ending now is estimated as
 * `prev × (1 − elapsed / 1 min) + cur`, where `elapsed` is how far into the current minute we are.
 *
 * Everything is kept in "weighted" units (the estimate × 60,000), so every comparison is between
 * whole numbers and the Lua twin below (run by Redis) reaches the same answers bit for bit:
 * both sides do the same IEEE double operations in the same order. Change one, change the other;
 * test/state/quota-arithmetic.test.ts holds them together.
 */

export const MINUTE_MS = 60_000;

/** The window's estimate × MINUTE_MS. `elapsed` is milliseconds into the current minute. */
export function weighted(elapsed: number, prev: number, cur: number): number {
  return prev * (MINUTE_MS - elapsed) + cur * MINUTE_MS;
}

/**
 * Milliseconds until `weighted` falls to `most` or below if nothing new arrives: within this
 * minute as the previous bucket fades, else in the next one, when the current bucket is the one
 * fading. 0 when it already is; -1 when it never will (`most` < 0, a limit of 0).
 */
export function waitFor(elapsed: number, prev: number, cur: number, most: number): number {
  if (weighted(elapsed, prev, cur) <= most) return 0;
  if (most < 0) return -1;
  if (cur * MINUTE_MS <= most) return MINUTE_MS - Math.floor((most - cur * MINUTE_MS) / prev) - elapsed;
  return 2 * MINUTE_MS - Math.floor(most / cur) - elapsed;
}

/** Whole units left under `limit` in the window (never below 0). */
export function remaining(elapsed: number, prev: number, cur: number, limit: number): number {
  return Math.max(0, Math.floor((limit * MINUTE_MS - weighted(elapsed, prev, cur)) / MINUTE_MS));
}

/**
 * Milliseconds until the window is empty if nothing new arrives: the current bucket fades out by
 * the end of the next minute, the previous one by the end of this minute.
 */
export function resetIn(elapsed: number, prev: number, cur: number): number {
  if (cur > 0) return 2 * MINUTE_MS - elapsed;
  if (prev > 0) return MINUTE_MS - elapsed;
  return 0;
}

/** The same four functions in Lua, for the Redis scripts (local functions; prepend to a script). */
export const SLIDING_WINDOW_LUA = `
local MINUTE_MS = 60000
local function weighted(elapsed, prev, cur)
  return prev * (MINUTE_MS - elapsed) + cur * MINUTE_MS
end
local function wait_for(elapsed, prev, cur, most)
  if weighted(elapsed, prev, cur) <= most then return 0 end
  if most < 0 then return -1 end
  if cur * MINUTE_MS <= most then return MINUTE_MS - math.floor((most - cur * MINUTE_MS) / prev) - elapsed end
  return 2 * MINUTE_MS - math.floor(most / cur) - elapsed
end
local function remaining(elapsed, prev, cur, limit)
  return math.max(0, math.floor((limit * MINUTE_MS - weighted(elapsed, prev, cur)) / MINUTE_MS))
end
local function reset_in(elapsed, prev, cur)
  if cur > 0 then return 2 * MINUTE_MS - elapsed end
  if prev > 0 then return MINUTE_MS - elapsed end
  return 0
end
`;
