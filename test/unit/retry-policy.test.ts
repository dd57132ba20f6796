/**
 * The retry decision (src/oci/retry-policy.ts) on its own. src/oci/signed-http.ts asks it after
 * every attempt that got no usable answer before the first byte: a 429 or 5xx status (with its
 * Retry-After), or a network failure. It never asks for a 2xx, nor once an answer is being
 * streamed. Over real HTTP: test/faults/upstream.test.ts ("the retry policy").
 */
import { describe, expect, test } from "bun:test";
import {
  type AttemptOutcome,
  decideRetry,
  MAX_RETRIES,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
} from "../../src/oci/retry-policy";

/** Plenty of deadline left; the dice always at their maximum, so the backoff is its ceiling. */
const PLENTY = 60_000;
const max = () => 0.999_999;

const status = (s: number, retryAfter?: string | null): AttemptOutcome => ({ status: s, retryAfter });
const NETWORK: AttemptOutcome = { network: true };

describe("what is retried", () => {
  test.each([429, 500, 502, 503, 504])("OCI %d is retried, the reason is the status", (s) => {
    const d = decideRetry(0, status(s), PLENTY, max);
    expect(d).toEqual({ retry: true, delayMs: 200, reason: String(s) });
  });

  test("a network failure (no answer at all) is retried, reason network", () => {
    expect(decideRetry(0, NETWORK, PLENTY, max)).toEqual({ retry: true, delayMs: 200, reason: "network" });
  });

  test.each([400, 401, 403, 404, 409, 412, 413, 501, 505])("OCI %d is never retried", (s) => {
    expect(decideRetry(0, status(s), PLENTY, max)).toEqual({ retry: false });
  });

  test("a Retry-After on a status that is not retried does not make it retried", () => {
    expect(decideRetry(0, status(400, "1"), PLENTY, max)).toEqual({ retry: false });
    expect(decideRetry(0, status(404, "0"), PLENTY, max)).toEqual({ retry: false });
  });
});

describe("at most 2 retries", () => {
  test("MAX_RETRIES is 2: retries 0 and 1 may retry, the third failure (retries = 2) is answered", () => {
    expect(MAX_RETRIES).toBe(2);
    for (const outcome of [status(429), status(500), status(503), NETWORK]) {
      expect(decideRetry(0, outcome, PLENTY, max).retry).toBe(true);
      expect(decideRetry(1, outcome, PLENTY, max).retry).toBe(true);
      expect(decideRetry(2, outcome, PLENTY, max)).toEqual({ retry: false });
      expect(decideRetry(3, outcome, PLENTY, max)).toEqual({ retry: false });
    }
  });

  test("even a Retry-After: 0 does not buy a third retry", () => {
    expect(decideRetry(2, status(429, "0"), PLENTY, max)).toEqual({ retry: false });
  });

  test("a sequence of failures, as signed-http drives it, makes exactly 3 attempts", () => {
    let attempts = 1;
    for (let retries = 0; decideRetry(retries, status(503), PLENTY, max).retry; retries++) attempts++;
    expect(attempts).toBe(3);
  });
});

describe("backoff without Retry-After: exponential, full jitter", () => {
  test("the ceiling doubles per retry from 200 ms", () => {
    expect(decideRetry(0, status(500), PLENTY, max)).toMatchObject({ delayMs: 200 });
    expect(decideRetry(1, status(500), PLENTY, max)).toMatchObject({ delayMs: 400 });
    expect(decideRetry(1, NETWORK, PLENTY, max)).toMatchObject({ delayMs: 400 });
  });

  test("full jitter: the delay is the dice times the ceiling, rounded; the dice at 0 retry at once", () => {
    expect(decideRetry(0, status(502), PLENTY, () => 0)).toEqual({ retry: true, delayMs: 0, reason: "502" });
    expect(decideRetry(0, status(502), PLENTY, () => 0.5)).toMatchObject({ delayMs: 100 });
    expect(decideRetry(1, status(502), PLENTY, () => 0.25)).toMatchObject({ delayMs: 100 });
    expect(decideRetry(1, status(502), PLENTY, () => 0.123_4)).toMatchObject({ delayMs: 49 });
  });

  test("Math.random is the default dice: delays stay within the ceiling", () => {
    for (let i = 0; i < 200; i++) {
      const d = decideRetry(1, status(503), PLENTY);
      if (!d.retry) throw new Error("expected a retry");
      expect(d.delayMs).toBeGreaterThanOrEqual(0);
      expect(d.delayMs).toBeLessThanOrEqual(400);
    }
  });

  test("a null or unreadable Retry-After falls back to the backoff", () => {
    expect(decideRetry(0, status(429, null), PLENTY, max)).toMatchObject({ retry: true, delayMs: 200 });
    expect(decideRetry(0, status(429, "soon"), PLENTY, max)).toMatchObject({ retry: true, delayMs: 200 });
    expect(decideRetry(1, status(503, ""), PLENTY, max)).toMatchObject({ retry: true, delayMs: 400 });
  });
});

describe("Retry-After is honoured up to 10 s; longer is answered at once", () => {
  test("seconds replace the backoff exactly, on 429 and on 5xx, whatever the dice", () => {
    expect(decideRetry(0, status(429, "1"), PLENTY, max)).toEqual({ retry: true, delayMs: 1000, reason: "429" });
    expect(decideRetry(1, status(503, "2"), PLENTY, () => 0)).toEqual({ retry: true, delayMs: 2000, reason: "503" });
    expect(decideRetry(0, status(429, "0"), PLENTY, max)).toEqual({ retry: true, delayMs: 0, reason: "429" });
    expect(decideRetry(0, status(429, "1.5"), PLENTY, max)).toMatchObject({ delayMs: 1500 });
    expect(decideRetry(0, status(429, " 3 "), PLENTY, max)).toMatchObject({ delayMs: 3000 });
  });

  test("exactly 10 s is still waited out", () => {
    expect(MAX_RETRY_AFTER_MS).toBe(10_000);
    expect(decideRetry(0, status(429, "10"), PLENTY, max)).toEqual({ retry: true, delayMs: 10_000, reason: "429" });
  });

  test.each(["10.001", "11", "30", "120", "86400"])(
    "Retry-After: %s → no retry: the client gets the answer now",
    (v) => {
      expect(decideRetry(0, status(429, v), PLENTY, max)).toEqual({ retry: false });
      expect(decideRetry(0, status(503, v), PLENTY, max)).toEqual({ retry: false });
    },
  );

  test("an HTTP date is honoured as the time until it, and refused beyond 10 s", () => {
    const in4s = new Date(Date.now() + 4_000).toUTCString(); // second resolution: 3–4 s from now
    const soon = decideRetry(0, status(429, in4s), PLENTY, max);
    if (!soon.retry) throw new Error("expected a retry");
    expect(soon.delayMs).toBeGreaterThan(2_500);
    expect(soon.delayMs).toBeLessThanOrEqual(4_000);
    const in60s = new Date(Date.now() + 60_000).toUTCString();
    expect(decideRetry(0, status(429, in60s), PLENTY, max)).toEqual({ retry: false });
  });

  test("an HTTP date in the past means retry at once", () => {
    const past = new Date(Date.now() - 60_000).toUTCString();
    expect(decideRetry(0, status(503, past), PLENTY, max)).toEqual({ retry: true, delayMs: 0, reason: "503" });
  });
});

describe("the deadline", () => {
  test("a retry whose wait would reach the deadline is not made", () => {
    expect(decideRetry(0, status(429, "5"), 5_000, max)).toEqual({ retry: false });
    expect(decideRetry(0, status(429, "5"), 4_000, max)).toEqual({ retry: false });
    expect(decideRetry(0, status(429, "5"), 5_001, max)).toMatchObject({ retry: true, delayMs: 5_000 });
  });

  test("the backoff is held to the deadline as well", () => {
    expect(decideRetry(0, status(500), 200, max)).toEqual({ retry: false });
    expect(decideRetry(0, status(500), 201, max)).toMatchObject({ retry: true, delayMs: 200 });
    expect(decideRetry(0, NETWORK, 0, () => 0)).toEqual({ retry: false });
    expect(decideRetry(0, NETWORK, -50, () => 0)).toEqual({ retry: false });
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("Wed, 21 Oct 2026 07:28:00 GMT");

  test("delta-seconds, integer or decimal, surrounding spaces ignored", () => {
    expect(parseRetryAfter("0")).toBe(0);
    expect(parseRetryAfter("1")).toBe(1000);
    expect(parseRetryAfter("1.5")).toBe(1500);
    expect(parseRetryAfter("  7 ")).toBe(7000);
    expect(parseRetryAfter("120")).toBe(120_000);
  });

  test("an HTTP date: the milliseconds until it, never negative", () => {
    expect(parseRetryAfter("Wed, 21 Oct 2026 07:28:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("Wed, 21 Oct 2026 07:27:00 GMT", now)).toBe(0);
  });

  test("anything else is unreadable (undefined)", () => {
    for (const v of ["", "   ", "soon", "1e3", "5 seconds"]) expect(parseRetryAfter(v, now)).toBeUndefined();
  });
});
