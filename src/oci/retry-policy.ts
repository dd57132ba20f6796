/**
 * The one retry policy (docs/operations.md#retries): throttling (429), OCI's 5xx and network failures are tried
 * again, at most twice, only before anything reached the client, with exponential backoff and
 * full jitter, honouring `Retry-After` up to 10 s. A longer `Retry-After` is not waited out: the
 * client gets the 429 with it. Pure: the caller supplies the clock's remaining budget and the dice.
 */
export const MAX_RETRIES = 2;
export const MAX_RETRY_AFTER_MS = 10_000;
const BASE_DELAY_MS = 200;
const MAX_BACKOFF_MS = 2_000;

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

export type AttemptOutcome = { network: true } | { status: number; retryAfter?: string | null };

export type RetryDecision = { retry: true; delayMs: number; reason: string } | { retry: false };

/** `retries` is how many retries were already made; `remainingMs` what is left of the deadline. */
export function decideRetry(
  retries: number,
  outcome: AttemptOutcome,
  remainingMs: number,
  random: () => number = Math.random,
): RetryDecision {
  if (retries >= MAX_RETRIES) return { retry: false };
  const reason = "network" in outcome ? "network" : String(outcome.status);
  if (!("network" in outcome) && !RETRYABLE_STATUS.has(outcome.status)) return { retry: false };
  let delayMs = Math.round(random() * Math.min(MAX_BACKOFF_MS, BASE_DELAY_MS * 2 ** retries));
  if (!("network" in outcome) && outcome.retryAfter != null) {
    const asked = parseRetryAfter(outcome.retryAfter);
    if (asked !== undefined) {
      if (asked > MAX_RETRY_AFTER_MS) return { retry: false };
      delayMs = asked;
    }
  }
  // A retry that could not finish inside the deadline only delays the inevitable answer.
  if (delayMs >= remainingMs) return { retry: false };
  return { retry: true, delayMs, reason };
}

/** Seconds, or an HTTP date; undefined when unreadable. */
export function parseRetryAfter(v: string, now = Date.now()): number | undefined {
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}
