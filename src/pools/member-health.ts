/**
 * How one member of one pool is doing, as this instance saw it (docs/several-regions.md#health):
 * - `parked`: it answered 429; it rests for its Retry-After (1 s when it gave none);
 * - `open`: its breaker opened after N failures in a row (5xx, network, timeouts); it rests for
 *   the breaker's time;
 * - `half_open`: that time has passed; the next request is its probe, one at a time, and the
 *   probe's answer closes the breaker or opens it again.
 * Time comes from the caller, so the rules are tested without waiting.
 */
export type MemberState = "up" | "parked" | "open" | "half_open";

/** The number `ocigenai_pool_member_state` reports for each state. */
export const STATE_VALUE: Record<MemberState, number> = { up: 0, parked: 1, open: 2, half_open: 3 };

/** A 429 without Retry-After parks its member this long: OCI's throttling usually passes quickly. */
export const DEFAULT_PARK_MS = 1_000;
/** A Retry-After longer than this is not believed whole: the member is tried again after it. */
export const MAX_PARK_MS = 300_000;

export type Failure = { kind: "throttled"; reason: string; retryAfterMs?: number } | { kind: "failed"; reason: string };

export type Take = { go: true; probe: boolean } | { go: false; state: "parked" | "open" | "half_open"; until: number };

export interface Breaker {
  failures: number;
  openMs: number;
}

export class MemberHealth {
  /** Requests this instance has in progress on the member (streams until they end). */
  inFlight = 0;
  /** Failures in a row; a success sets it back to 0. */
  failures = 0;
  parkedUntil = 0;
  openUntil = 0;
  probing = false;
  lastFailure?: string;

  constructor(public breaker: Breaker) {}

  state(now: number): MemberState {
    if (this.openUntil > 0) return now < this.openUntil ? "open" : "half_open";
    if (now < this.parkedUntil) return "parked";
    return "up";
  }

  /** Whether a request may go to the member now, and whether it is the breaker's probe. */
  take(now: number): Take {
    if (now < this.parkedUntil) return { go: false, state: "parked", until: this.parkedUntil };
    if (this.openUntil > 0) {
      if (now < this.openUntil) return { go: false, state: "open", until: this.openUntil };
      // Until the probe answers, others keep away; it has a deadline, so it always answers.
      if (this.probing) return { go: false, state: "half_open", until: now };
      this.probing = true;
      return { go: true, probe: true };
    }
    return { go: true, probe: false };
  }

  succeeded(probe: boolean): void {
    this.failures = 0;
    if (probe) {
      this.probing = false;
      this.openUntil = 0;
    }
  }

  failed(f: Failure, probe: boolean, now: number): void {
    this.lastFailure = f.reason;
    if (f.kind === "throttled") {
      // A throttled member is alive: the failures in a row end, its breaker closes (counting
      // from none, else one more failure would open it again), and it rests as asked.
      this.failures = 0;
      if (probe) {
        this.probing = false;
        this.openUntil = 0;
      }
      this.parkedUntil = now + Math.min(f.retryAfterMs ?? DEFAULT_PARK_MS, MAX_PARK_MS);
      return;
    }
    this.failures++;
    if (probe || this.failures >= this.breaker.failures) {
      this.probing = false;
      this.openUntil = now + this.breaker.openMs;
    }
  }

  /** The call ended in a way that says nothing about the member (a bad request, a client gone). */
  neutral(probe: boolean): void {
    if (probe) this.probing = false;
  }
}
