import { ApiError } from "../errors/api-error";

/**
 * MAX_CONCURRENT_PER_KEY: at most that many OCI calls in flight per API key; one more is a 429 at
 * once (not queued). The caller frees its slots when the answer is over (for a stream, when it
 * closes). By default a key gets half of the upstream capacity (docs/operations.md#limits), so
 * one caller cannot starve the others. A limit of 0 or less means no limit.
 */
export class ConcurrencyLimiter {
  private readonly inFlight = new Map<string, number>();

  /** Slots one key may hold; 0 or less: no limit. */
  constructor(readonly perKey: number) {}

  /** Takes `slots` slots for `key` or throws the 429; answers the function that frees them (once). */
  acquire(key: string, slots = 1): () => void {
    if (this.perKey <= 0 || slots <= 0) return () => {};
    const n = this.inFlight.get(key) ?? 0;
    if (n + slots > this.perKey) {
      throw new ApiError(429, `Too many requests in flight for this API key (limit ${this.perKey})`, {
        type: "rate_limit_error",
        code: "concurrency_limit",
        headers: { "retry-after": "1" },
      });
    }
    this.inFlight.set(key, n + slots);
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      const left = (this.inFlight.get(key) ?? slots) - slots;
      if (left <= 0) this.inFlight.delete(key);
      else this.inFlight.set(key, left);
    };
  }
}
