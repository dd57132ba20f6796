import type { TokenUsage } from "../chat/types";
import type { KeyIdentity } from "../config/key-ring";
import { LOCAL_OWNER } from "../config/types";
import { ApiError } from "../errors/api-error";
import type { Logger } from "../observability/logger";
import type { Metrics } from "../observability/metrics";
import {
  type Admission,
  type AdmitRequest,
  type LimitName,
  type LimitState,
  type QuotaStore,
  StoreUnavailableError,
} from "../state/types";
import { type UsageRange, type UsageReport, usageReport } from "./usage-report";

/** How long a running request's concurrency lease is renewed at most: a day of one stream. */
export const MAX_LEASE_HOLD_MS = 24 * 3600 * 1000;

/** What an admitted request carries: the rate-limit headers of its answer, and its lease to free. */
export interface Admitted {
  headers: Record<string, string>;
  /** Frees the request's concurrency lease (once; nothing without one). */
  release(): void;
  /** The lease, for a settlement that frees it in its own write; afterwards `release` does nothing. */
  handOver(): string | undefined;
}

/** How long an answer of a key without token limits may wait for its ledger write. */
export const LEDGER_FLUSH_MS = 1000;
/** Beyond a batch interval, for another process's timer and write to have run. */
const LEDGER_FLUSH_SLACK_MS = 200;

const LIMIT_WORDS: Record<LimitName, (n: number) => string> = {
  rpm: (n) => `${n} requests per minute`,
  tpm: (n) => `${n} tokens per minute`,
  daily_tokens: (n) => `${n} tokens per UTC day`,
  max_concurrent: (n) => `${n} requests at once`,
};

/**
 * The limits of team keys (docs/teams-and-quotas.md), enforced in the state store so instances
 * sharing it enforce one limit together. `admit` runs before a model or agent call: a key without
 * limits passes at once; a spent limit is a 429 with `Retry-After`; a store that cannot answer is
 * a 503 for a limited key (never silently unlimited). `settle` runs when the answer is over:
 * OCI's token counts go against the key's minute and day and into the usage ledger, for every key.
 */
export class Quotas {
  /** Answers not yet in the ledger, by key and alias. */
  private readonly pending = new Map<
    string,
    { key: string; alias: string; inputTokens: number; outputTokens: number; requests: number }
  >();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly store: QuotaStore,
    private readonly o: {
      metrics: Metrics;
      log: Logger;
      leaseMs: number;
      /** Other processes write the same ledger in their own batches (workers, instances on Redis). */
      shared?: boolean;
    },
  ) {}

  async admit(key: KeyIdentity | undefined): Promise<Admitted | undefined> {
    const team = key?.team;
    if (!key || !team) return undefined;
    const { rpm, tpm, dailyTokens, maxConcurrent } = team;
    if (rpm === undefined && tpm === undefined && dailyTokens === undefined && maxConcurrent === undefined)
      return undefined;
    const leaseId = maxConcurrent === undefined ? undefined : crypto.randomUUID();
    const req: AdmitRequest = { key: key.name, rpm, tpm, dailyTokens };
    if (leaseId) req.concurrent = { limit: maxConcurrent!, leaseId, leaseMs: this.o.leaseMs };
    let a: Admission;
    try {
      a = await this.store.admit(req);
    } catch (e) {
      throw unavailable(e);
    }
    const headers = rateHeaders(a);
    if (!a.allowed) {
      const limit = a.refusedBy ?? "rpm";
      this.o.metrics.keyRefusal(key.name, limit);
      const retryS = Math.max(1, Math.ceil((a.retryAfterMs ?? 1000) / 1000));
      const value = limitValue(team, limit);
      throw new ApiError(
        429,
        `Rate limit reached for key '${key.name}': ${LIMIT_WORDS[limit](value)}. Retry in ${retryS} s.`,
        {
          type: "rate_limit_error",
          code: "rate_limit_exceeded",
          headers: { ...headers, "retry-after": String(retryS), "retry-after-ms": String(a.retryAfterMs ?? 1000) },
        },
      );
    }
    let freed = false;
    // The lease is renewed while the request runs: a stream longer than the lease gave its slot
    // away and let one more request in than max_concurrent (the lease's own expiry is for a
    // process that died holding it). Not past MAX_LEASE_HOLD_MS: a request whose end this process
    // never saw must not hold the slot for good.
    const since = Date.now();
    const renewal = leaseId
      ? setInterval(() => {
          if (Date.now() - since > MAX_LEASE_HOLD_MS) {
            clearInterval(renewal);
            this.o.log.warn("a request held its concurrency lease past the longest renewed; it lapses", {
              key: key.name,
            });
            return;
          }
          this.store
            .renewLease(key.name, leaseId, this.o.leaseMs)
            .catch((e) => this.storeFailed("renewLease", key.name, e));
        }, this.o.leaseMs / 3)
      : undefined;
    renewal?.unref();
    const handOver = () => {
      if (freed || !leaseId) return undefined;
      freed = true;
      clearInterval(renewal);
      return leaseId;
    };
    const release = () => {
      const lease = handOver();
      if (lease) this.store.release(key.name, lease).catch((e) => this.storeFailed("release", key.name, e));
    };
    return { headers, release, handOver };
  }

  /**
   * Counts an answered call of `key` (none: the local caller) on `alias`, tokens from OCI's usage
   * (none is zero). A key whose tokens are limited settles at once, since its next admission
   * reads them. Every other answer goes into the ledger in batches, one write per key and alias
   * at most every LEDGER_FLUSH_MS: a write per request is what processes sharing the store
   * would otherwise queue on (docs/teams-and-quotas.md#usage). The request's lease (`admitted`)
   * is freed here too: in the same write as a settlement at once, on its own otherwise.
   */
  settle(
    key: KeyIdentity | undefined,
    alias: string | undefined,
    usage: TokenUsage | undefined,
    admitted?: Admitted,
  ): void {
    if (alias === undefined) {
      admitted?.release();
      return; // refused before any alias was known: it cost nothing
    }
    const keyName = key?.name ?? LOCAL_OWNER;
    const input = usage?.inputTokens ?? 0;
    const output = usage?.outputTokens ?? 0;
    this.o.metrics.keyUsage(keyName, alias, input, output);
    const team = key?.team;
    if (team && (team.tpm !== undefined || team.dailyTokens !== undefined)) {
      this.store
        .settle(keyName, alias, { inputTokens: input, outputTokens: output }, admitted?.handOver())
        .catch((e) => this.storeFailed("settle", keyName, e));
      return;
    }
    admitted?.release();
    const id = `${keyName}\u0000${alias}`;
    const row = this.pending.get(id);
    if (row) {
      row.inputTokens += input;
      row.outputTokens += output;
      row.requests++;
    } else this.pending.set(id, { key: keyName, alias, inputTokens: input, outputTokens: output, requests: 1 });
    this.flushTimer ??= setTimeout(() => void this.flush(), LEDGER_FLUSH_MS);
    this.flushTimer.unref?.();
  }

  /** Writes the batched answers to the ledger now. */
  async flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.size === 0) return;
    const rows = [...this.pending.values()];
    this.pending.clear();
    await Promise.all(
      rows.map((r) =>
        this.store
          .settle(r.key, r.alias, { inputTokens: r.inputTokens, outputTokens: r.outputTokens, requests: r.requests })
          .catch((e) => this.storeFailed("settle", r.key, e)),
      ),
    );
  }

  /** At shutdown: nothing counted is left behind. */
  close(): Promise<void> {
    return this.flush();
  }

  /**
   * The usage ledger over a range of UTC days (for /admin/usage; 503 when the store is down), this
   * process's waiting answers written first; when other processes share the ledger, after one
   * more batch interval, by which each of them has written its own.
   */
  async usage(range: UsageRange): Promise<UsageReport> {
    await this.flush();
    if (this.o.shared) await Bun.sleep(LEDGER_FLUSH_MS + LEDGER_FLUSH_SLACK_MS);
    try {
      return usageReport(await this.store.usage(range), range);
    } catch (e) {
      throw unavailable(e);
    }
  }

  private storeFailed(op: string, key: string, e: unknown): void {
    this.o.log.warn("quota store operation failed", { op, key, error: (e as Error).message });
  }
}

function unavailable(e: unknown): unknown {
  if (!(e instanceof StoreUnavailableError)) return e;
  return new ApiError(503, "This key's limits cannot be checked right now (the state store cannot be reached)", {
    type: "service_unavailable",
    code: "store_unavailable",
    headers: { "retry-after": "1" },
  });
}

function limitValue(team: NonNullable<KeyIdentity["team"]>, limit: LimitName): number {
  switch (limit) {
    case "rpm":
      return team.rpm ?? 0;
    case "tpm":
      return team.tpm ?? 0;
    case "daily_tokens":
      return team.dailyTokens ?? 0;
    case "max_concurrent":
      return team.maxConcurrent ?? 0;
  }
}

/** OpenAI's `x-ratelimit-*` headers for the limits the key has (requests and tokens per minute). */
export function rateHeaders(a: Admission): Record<string, string> {
  const h: Record<string, string> = {};
  const put = (kind: "requests" | "tokens", s: LimitState | undefined) => {
    if (!s) return;
    h[`x-ratelimit-limit-${kind}`] = String(s.limit);
    h[`x-ratelimit-remaining-${kind}`] = String(Math.max(0, s.remaining));
    h[`x-ratelimit-reset-${kind}`] = duration(s.resetMs);
  };
  put("requests", a.requests);
  put("tokens", a.tokens);
  return h;
}

/** A duration as OpenAI writes it in `x-ratelimit-reset-*`: `120ms`, `12s`, `1m30s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.ceil(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}
