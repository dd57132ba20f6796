/**
 * Where auto-mode sessions live: `session key → OCI session id`, with a sliding TTL, plus a
 * per-key lock so one key never has two requests on its OCI session at once. Implementations:
 * memory, SQLite (default; survives restarts) and Redis (shared by several instances).
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
  /** How long a lock lives if its holder dies (Redis); renewed while held. */
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
  /** Per-key mutual exclusion (across instances for Redis). Rejects with LockTimeoutError. */
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
}

/** One backend keeps both: sessions, and stored responses. */
export type StateStore = SessionStore & ResponseStore;

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
