/**
 * Where auto-mode sessions live: `session key → OCI session id`, with a sliding TTL, plus a
 * per-key lock so one key never has two requests on its OCI session at once. Implementations:
 * memory, SQLite (default; survives restarts; shared by the processes of one machine) and Redis
 * (shared by several machines).
 */

export interface SessionRecord {
  sessionId: string;
  /** Agent endpoint OCID the session belongs to. */
  agentEndpointId: string;
  /** API-key namespace of the caller that created it (docs/api/direct.md#agent-sessions). */
  owner: string;
  createdAt: number;
  lastUsedAt: number;
}

/** Releases a lock; safe to call more than once. */
export type Release = () => Promise<void>;

export interface LockOptions {
  /** How long to wait for the lock before giving up with a 409/503. */
  waitMs: number;
  /** How long a lock lives if its holder dies (SQLite, Redis); renewed while held. */
  leaseMs: number;
}

export interface SessionStore {
  readonly kind: "memory" | "sqlite" | "redis";
  /** The record, or undefined when absent or idle longer than its TTL. */
  get(key: string): Promise<SessionRecord | undefined>;
  /** Stores the record; its TTL starts again now (sliding expiry). */
  set(key: string, record: SessionRecord, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Forgets every key mapped to this OCI session (after DELETE, or when OCI says it is gone). */
  deleteBySessionId(sessionId: string): Promise<void>;
  /** Owner namespace recorded for an OCI session id, if this store created it. */
  ownerOf(sessionId: string): Promise<string | undefined>;
  /** Per-key mutual exclusion (across processes for SQLite, machines for Redis). Rejects with LockTimeoutError. */
  lock(key: string, opts: LockOptions): Promise<Release>;
  /** Live records (for metrics). */
  size(): Promise<number>;
  close(): Promise<void>;
}

/**
 * A Responses API response kept for `previous_response_id` and `GET /v1/responses/{id}`. The
 * store keeps it as an opaque JSON document under its id; who may read it is the caller's check
 * (`owner`), so one key never sees another's.
 */
export interface StoredResponse {
  id: string;
  /** API-key namespace of the caller that created it. */
  owner: string;
  /** Epoch milliseconds. */
  createdAt: number;
  /** The response object, input items and whatever the family needs to continue the chain. */
  data: Record<string, unknown>;
}

export interface ResponseStore {
  /** Keeps the response for `ttlMs` (never extended by reads). */
  putResponse(r: StoredResponse, ttlMs: number): Promise<void>;
  /** The response, or undefined when unknown or expired. */
  getResponse(id: string): Promise<StoredResponse | undefined>;
  /** True when a live response was deleted. */
  deleteResponse(id: string): Promise<boolean>;
  /**
   * Keeps these live responses for `ttlMs` from now at least (never shorter than they had):
   * a chain's earlier turns, when a new turn is kept, so the chain lives as long as its newest
   * turn. Unknown and expired ids are skipped.
   */
  extendResponses(ids: string[], ttlMs: number): Promise<void>;
}

/**
 * Quotas of team keys (docs/teams-and-quotas.md): per key, requests and tokens per sliding minute,
 * tokens per UTC day, concurrent requests, and the usage ledger. Every operation is atomic in the
 * store, so several instances sharing one store (Redis) enforce one limit together; the store's
 * own clock decides windows (Redis: its TIME), so clock skew between instances cannot widen one.
 * The exact rules (windows, retry-after, reset) are in docs/operations.md#quotas-and-usage-in-the-state-store.
 */
export interface AdmitRequest {
  /** The key's name (api_keys.json): the namespace of its counters. */
  key: string;
  /**
   * Requests per sliding minute: admitted while the window's estimate + 1 ≤ rpm. Limits are whole
   * numbers from 0 (refuse all) to 10^11; another value throws RangeError.
   */
  rpm?: number;
  /** Tokens per sliding minute: a request is admitted while the minute's tokens are below it. */
  tpm?: number;
  /** Tokens per UTC day: a request is admitted while the day's tokens are below it. */
  dailyTokens?: number;
  /**
   * Concurrent requests: a lease under `leaseId`, held until `release` or until `leaseMs` passes
   * (an expired lease no longer counts). Admitting a live `leaseId` again renews it, counted once.
   */
  concurrent?: { limit: number; leaseId: string; leaseMs: number };
}

export type LimitName = "rpm" | "tpm" | "daily_tokens" | "max_concurrent";

/** Where one minute window stands after an admission (for the `x-ratelimit-*` headers). */
export interface LimitState {
  limit: number;
  /** Whole units left in the window: ⌊limit − estimate⌋, at least 0. */
  remaining: number;
  /**
   * Milliseconds until the window is empty again if nothing new arrives (0 when it is empty):
   * the current minute's count fades out by the end of the next minute.
   */
  resetMs: number;
}

export interface Admission {
  allowed: boolean;
  /** The limit that refused the request (the first one found spent, in the order rpm, tpm, daily, concurrent). */
  refusedBy?: LimitName;
  /**
   * When refused: milliseconds until the refusing limit has room, at least 1000. rpm/tpm: until
   * the sliding estimate has room if nothing new arrives (at most 60 s); daily: until the next
   * UTC midnight; concurrent: until the earliest live lease expires, at most 5 s.
   */
  retryAfterMs?: number;
  /** Requests in the sliding minute, this one counted when admitted (present when `rpm` was given). */
  requests?: LimitState;
  /** Tokens in the sliding minute (present when `tpm` was given). */
  tokens?: LimitState;
}

/** One row of the usage ledger: what a key spent on an alias in a UTC day. */
export interface UsageRow {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  key: string;
  alias: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

/** What settles against a key: tokens, and how many answers they came from (default 1). */
export interface SettledUsage {
  inputTokens: number;
  outputTokens: number;
  requests?: number;
}

/** How many answers a settlement counts: a whole number of at least 1 (default 1). */
export function settledRequests(u: SettledUsage): number {
  const n = u.requests;
  return typeof n === "number" && Number.isInteger(n) && n >= 1 ? n : 1;
}

export interface QuotaStore {
  /**
   * Checks every limit given and, only when all have room, counts the request in the minute and
   * takes the concurrency lease, as one atomic step: a refused request changes nothing. Every
   * admitted request is counted, with or without `rpm`. Rejects with StoreUnavailableError when
   * the store cannot be reached (never "allowed").
   */
  admit(req: AdmitRequest): Promise<Admission>;
  /** Frees the lease `admit` took; safe to call twice, and for a lease already expired. */
  release(key: string, leaseId: string): Promise<void>;
  /**
   * Keeps a live lease `leaseMs` from now: a request still running holds its slot however long it
   * lasts (a stream has no deadline of its own). A lease expired or released stays gone.
   */
  renewLease(key: string, leaseId: string, leaseMs: number): Promise<void>;
  /**
   * After an answer (streamed ones when they end): its tokens count against the key's minute and
   * UTC day, and the ledger row of (day, key, alias) gains `requests` requests (default 1: one
   * answer; more when the caller settles several answers at once) and the tokens. Called for
   * every key, limited or not, so the ledger covers all usage. Token counts are taken whole; a
   * missing, negative or non-finite one counts 0. `releaseLease`: the request's lease, freed in
   * the same step (as `release` would), so the end of a request writes once, not twice.
   */
  settle(key: string, alias: string, usage: SettledUsage, releaseLease?: string): Promise<void>;
  /**
   * Ledger rows for UTC days `from`..`to` (inclusive, `YYYY-MM-DD`), one key or all, by day, key,
   * alias. Rejects with UsageRangeError for a malformed day, `from` after `to`, or more than 400 days.
   */
  usage(filter: { from: string; to: string; key?: string }): Promise<UsageRow[]>;
}

/** One backend keeps it all: sessions, stored responses, quotas and usage. */
export type StateStore = SessionStore & ResponseStore & QuotaStore;

/** The store cannot be reached: the request fails with 503 instead of silently making a new session. */
export class StoreUnavailableError extends Error {
  constructor(
    readonly store: string,
    cause: unknown,
  ) {
    super(`session store (${store}) unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "StoreUnavailableError";
  }
}

/** A usage range the store does not answer (malformed, reversed, or too long): the caller's 400. */
export class UsageRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageRangeError";
  }
}

/** Another request held the key's lock for longer than the wait allows. */
export class LockTimeoutError extends Error {
  constructor(
    readonly key: string,
    waitMs: number,
  ) {
    super(`another request for the same session key is still running after ${Math.round(waitMs / 1000)} s`);
    this.name = "LockTimeoutError";
  }
}
