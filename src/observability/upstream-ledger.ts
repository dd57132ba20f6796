/**
 * What each request spent waiting on OCI, filled by the transport (keyed by request id, the only
 * thing the transport knows of a request) and taken by the request's log line.
 */
export interface UpstreamSpend {
  ms: number;
  /** Exchanges made (a request may need several: embeddings batches, agent session + chat). */
  calls: number;
  /** Attempts over all exchanges; more than `calls` means retries happened. */
  attempts: number;
}

/** Reports for requests that never logged (a late report after the answer) must not pile up. */
const MAX_ENTRIES = 10_000;

export class UpstreamLedger {
  private readonly spend = new Map<string, UpstreamSpend>();

  add(requestId: string, ms: number, attempts: number): void {
    if (this.spend.size >= MAX_ENTRIES && !this.spend.has(requestId))
      this.spend.delete(this.spend.keys().next().value!);
    const s = this.spend.get(requestId) ?? { ms: 0, calls: 0, attempts: 0 };
    s.ms += ms;
    s.calls += 1;
    s.attempts += attempts;
    this.spend.set(requestId, s);
  }

  take(requestId: string): UpstreamSpend | undefined {
    const s = this.spend.get(requestId);
    this.spend.delete(requestId);
    return s;
  }
}
