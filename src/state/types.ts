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
