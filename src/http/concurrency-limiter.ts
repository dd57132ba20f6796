import { ApiError } from "../errors/api-error";

/**
 * MAX_CONCURRENT_PER_KEY: at most that many costly calls in flight per API key; one more is a 429
 * at once (not queued). The caller frees the slot when the answer is over (for a stream, when it
 * closes). A limit of 0 or less means no limit.
 */
export class ConcurrencyLimiter {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly perKey: number) {}

  /** Takes a slot for `key` or throws the 429; answers the function that frees it (once). */
  acquire(key: string): () => void {
    if (this.perKey <= 0) return () => {};
    const n = this.inFlight.get(key) ?? 0;
    if (n >= this.perKey) {
      throw new ApiError(429, `Too many requests in flight for this API key (limit ${this.perKey})`, {
        type: "rate_limit_error",
        code: "concurrency_limit",
        headers: { "retry-after": "1" },
      });
    }
    this.inFlight.set(key, n + 1);
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(key);
      else this.inFlight.set(key, left);
    };
  }
}
