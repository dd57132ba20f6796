import { Database, type Statement } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { KeyLock } from "./key-lock";
import { checkRetention, checkTtl, type StoreOptions } from "./memory";
import {
  type LockOptions,
  type Release,
  type SessionRecord,
  type StateStore,
  type StoredResponse,
  StoreUnavailableError,
} from "./types";

/** Rows past their owner retention, and expired responses, are pruned at most this often (on writes). */
const PRUNE_EVERY_MS = 60_000;

const SCHEMA = `CREATE TABLE IF NOT EXISTS agent_sessions (
  key TEXT PRIMARY KEY NOT NULL,
  session_id TEXT NOT NULL,
  agent_endpoint_id TEXT NOT NULL,
  owner TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  owner_until INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS agent_sessions_by_session_id ON agent_sessions (session_id);
CREATE TABLE IF NOT EXISTS responses (
  id TEXT PRIMARY KEY NOT NULL,
  owner TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS responses_by_expiry ON responses (expires_at);`;

interface Row {
  session_id: string;
  agent_endpoint_id: string;
  owner: string;
  created_at: number;
  last_used_at: number;
}

interface ResponseRow {
  id: string;
  owner: string;
  created_at: number;
  data: string;
}

/**
 * Sessions and stored responses in one SQLite file (WAL mode): they survive a restart. The lock
 * is in-process only, so several gateway processes must not share one file; use Redis for that.
 *
 * Rows stay in the file after their TTL until `ownerOf` no longer needs them (see
 * `StoreOptions.ownerRetentionMs`); `get` and `size` only see rows whose TTL has not passed.
 * Responses (table `responses`, data as JSON text) are invisible once expired, and their rows are
 * pruned along with expired sessions (on open, then at most once a minute on writes).
 */
export class SqliteSessionStore implements StateStore {
  readonly kind = "sqlite" as const;
  private readonly locks = new KeyLock();
  private readonly ownerRetentionMs: number;
  private lastPrune = 0;
  private readonly q: {
    get: Statement<Row, [string, number]>;
    set: Statement<unknown, [string, string, string, string, number, number, number, number]>;
    delete: Statement<unknown, [string]>;
    deleteBySessionId: Statement<unknown, [string]>;
    ownerOf: Statement<{ owner: string }, [string, number]>;
    size: Statement<{ n: number }, [number]>;
    prune: Statement<unknown, [number]>;
    putResponse: Statement<unknown, [string, string, number, number, string]>;
    getResponse: Statement<ResponseRow, [string, number]>;
    deleteResponse: Statement<{ expires_at: number }, [string]>;
    pruneResponses: Statement<unknown, [number]>;
  };

  private constructor(
    private readonly db: Database,
    readonly path: string,
    opts: StoreOptions,
  ) {
    this.ownerRetentionMs = checkRetention(opts.ownerRetentionMs);
    this.q = {
      get: db.prepare(
        "SELECT session_id, agent_endpoint_id, owner, created_at, last_used_at FROM agent_sessions WHERE key = ? AND expires_at > ?",
      ),
      set: db.prepare(
        `INSERT INTO agent_sessions (key, session_id, agent_endpoint_id, owner, created_at, last_used_at, expires_at, owner_until)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET session_id = excluded.session_id, agent_endpoint_id = excluded.agent_endpoint_id,
           owner = excluded.owner, created_at = excluded.created_at, last_used_at = excluded.last_used_at,
           expires_at = excluded.expires_at, owner_until = excluded.owner_until`,
      ),
      delete: db.prepare("DELETE FROM agent_sessions WHERE key = ?"),
      deleteBySessionId: db.prepare("DELETE FROM agent_sessions WHERE session_id = ?"),
      ownerOf: db.prepare(
        "SELECT owner FROM agent_sessions WHERE session_id = ? AND owner_until > ? ORDER BY owner_until DESC LIMIT 1",
      ),
      size: db.prepare("SELECT COUNT(*) AS n FROM agent_sessions WHERE expires_at > ?"),
      prune: db.prepare("DELETE FROM agent_sessions WHERE owner_until <= ?"),
      putResponse: db.prepare(
        `INSERT INTO responses (id, owner, created_at, expires_at, data) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, created_at = excluded.created_at,
           expires_at = excluded.expires_at, data = excluded.data`,
      ),
      getResponse: db.prepare("SELECT id, owner, created_at, data FROM responses WHERE id = ? AND expires_at > ?"),
      deleteResponse: db.prepare("DELETE FROM responses WHERE id = ? RETURNING expires_at"),
      pruneResponses: db.prepare("DELETE FROM responses WHERE expires_at <= ?"),
    };
  }

  /**
   * Opens (creating the file and its directory if needed) and proves the file writable, so a
   * read-only location fails here, where the caller can fall back, not on the first request.
   */
  static open(path: string, opts: StoreOptions = {}): SqliteSessionStore {
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { create: true, readwrite: true, strict: true });
    try {
      db.run("PRAGMA busy_timeout = 2000");
      db.run("PRAGMA journal_mode = WAL");
      db.run(SCHEMA);
      db.run("BEGIN IMMEDIATE");
      db.run("COMMIT");
      const store = new SqliteSessionStore(db, path, opts);
      store.prune(Date.now());
      return store;
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** Keys held by a lock right now (0 once every holder released: no entries leak). */
  get heldLocks(): number {
    return this.locks.heldKeys;
  }

  async get(key: string): Promise<SessionRecord | undefined> {
    const row = this.guard(() => this.q.get.get(key, Date.now()));
    if (!row) return undefined;
    return {
      sessionId: row.session_id,
      agentEndpointId: row.agent_endpoint_id,
      owner: row.owner,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
    };
  }

  async set(key: string, r: SessionRecord, ttlMs: number): Promise<void> {
    checkTtl(ttlMs);
    const now = Date.now();
    this.guard(() => {
      this.q.set.run(
        key,
        r.sessionId,
        r.agentEndpointId,
        r.owner,
        r.createdAt,
        r.lastUsedAt,
        now + ttlMs,
        now + Math.max(ttlMs, this.ownerRetentionMs),
      );
      if (now - this.lastPrune >= PRUNE_EVERY_MS) this.prune(now);
    });
  }

  async delete(key: string): Promise<void> {
    this.guard(() => this.q.delete.run(key));
  }

  async deleteBySessionId(sessionId: string): Promise<void> {
    this.guard(() => this.q.deleteBySessionId.run(sessionId));
  }

  async ownerOf(sessionId: string): Promise<string | undefined> {
    return this.guard(() => this.q.ownerOf.get(sessionId, Date.now()))?.owner;
  }

  /** In-process, like the memory store's; `leaseMs` does not apply. */
  lock(key: string, opts: LockOptions): Promise<Release> {
    return this.locks.acquire(key, opts.waitMs);
  }

  async size(): Promise<number> {
    return this.guard(() => this.q.size.get(Date.now()))?.n ?? 0;
  }

  async putResponse(r: StoredResponse, ttlMs: number): Promise<void> {
    checkTtl(ttlMs, "response TTL");
    const data = JSON.stringify(r.data);
    const now = Date.now();
    this.guard(() => {
      this.q.putResponse.run(r.id, r.owner, r.createdAt, now + ttlMs, data);
      if (now - this.lastPrune >= PRUNE_EVERY_MS) this.prune(now);
    });
  }

  async getResponse(id: string): Promise<StoredResponse | undefined> {
    const row = this.guard(() => this.q.getResponse.get(id, Date.now()));
    if (!row) return undefined;
    const data = parseData(row.data);
    return data && { id: row.id, owner: row.owner, createdAt: row.created_at, data };
  }

  async deleteResponse(id: string): Promise<boolean> {
    const now = Date.now();
    const row = this.guard(() => this.q.deleteResponse.get(id));
    return row !== null && row.expires_at > now;
  }

  async close(): Promise<void> {
    for (const s of Object.values(this.q)) s.finalize();
    this.db.close();
  }

  private prune(now: number): void {
    this.lastPrune = now;
    this.q.prune.run(now);
    this.q.pruneResponses.run(now);
  }

  /** A failing file (disk full, deleted, closed) fails the request with 503. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw new StoreUnavailableError("sqlite", e);
    }
  }
}

/** Stored data that is not a JSON object (edited by hand, say) counts as absent. */
function parseData(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
