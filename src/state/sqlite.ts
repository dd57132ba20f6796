import type { Database, Statement } from "bun:sqlite";
import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { BufferPool } from "../lib/buffer-pool";
import { JsonUtf8Writer } from "../lib/json-utf8-writer";
import { checkRetention, checkTtl, type QuotaClockOptions, type StoreOptions } from "./memory";
import {
  DAY_MS,
  decide,
  type Limits,
  limitsOf,
  sortUsage,
  toAdmission,
  tokensOf,
  usageDays,
  utcDay,
  type Verdict,
} from "./quota-rules";
import { MINUTE_MS } from "./sliding-window";
import { isBusy, whenNotBusy } from "./sqlite-busy";
import { SESSION_LOCKS_SCHEMA, SqliteKeyLock } from "./sqlite-lock";
import {
  type Admission,
  type AdmitRequest,
  type LockOptions,
  type Release,
  type SessionRecord,
  type SettledUsage,
  type StateStore,
  type StoredResponse,
  StoreUnavailableError,
  settledRequests,
  type UsageRow,
} from "./types";
import { type WalCheckpointOptions, WalCheckpoints } from "./wal-checkpoints";

export interface SqliteStoreOptions extends StoreOptions, QuotaClockOptions {
  /** How often writes prune expired rows (default a minute; tests shorten it). */
  pruneEveryMs?: number;
  /** How WAL checkpoints leave the event loop (wal-checkpoints.ts); defaults suit a server. */
  checkpoints?: WalCheckpointOptions;
  /**
   * Told, once, that the file at the store's path is no longer the one it has open (deleted,
   * replaced): processes sharing the path would no longer share the store (docs/deploy.md#workers).
   */
  onFileLost?(why: string): void;
  /** How often the path is looked at for that (default 5 s). */
  fileCheckEveryMs?: number;
}

/** How often the path is compared with the file open (onFileLost). */
const FILE_CHECK_EVERY_MS = 5_000;

/** The file at `path` as device and inode; undefined when there is none. */
function fileId(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

/** Rows past their owner retention, and expired responses, are pruned at most this often (on writes). */
const PRUNE_EVERY_MS = 60_000;
/**
 * Expired responses deleted by one prune on a write: a response holds its whole input, so a
 * minute's worth of them deleted at once stood the event loop still (600 rows of 100 KB: 34 ms);
 * 64 of them take ~3–4 ms. While more remain, the next write prunes again.
 */
const PRUNE_RESPONSES_AT_ONCE = 64;

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
-- Counting live sessions (the /metrics gauge, at every scrape) and pruning once a minute read by
-- time: without these, both scanned the table on the event loop (100,000 rows: 11 ms a count).
CREATE INDEX IF NOT EXISTS agent_sessions_by_expiry ON agent_sessions (expires_at);
CREATE INDEX IF NOT EXISTS agent_sessions_by_owner_until ON agent_sessions (owner_until);
CREATE TABLE IF NOT EXISTS responses (
  id TEXT PRIMARY KEY NOT NULL,
  owner TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS responses_by_expiry ON responses (expires_at);
CREATE TABLE IF NOT EXISTS quota_minutes (
  key TEXT NOT NULL,
  minute INTEGER NOT NULL,
  requests INTEGER NOT NULL,
  tokens INTEGER NOT NULL,
  PRIMARY KEY (key, minute)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quota_days (
  key TEXT NOT NULL,
  day TEXT NOT NULL,
  tokens INTEGER NOT NULL,
  PRIMARY KEY (key, day)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quota_leases (
  key TEXT NOT NULL,
  lease_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (key, lease_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS usage_ledger (
  day TEXT NOT NULL,
  key TEXT NOT NULL,
  alias TEXT NOT NULL,
  requests INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  PRIMARY KEY (day, key, alias)
) WITHOUT ROWID;`;

interface CountsRow {
  req_prev: number;
  req_cur: number;
  tok_prev: number;
  tok_cur: number;
  day_tokens: number;
  leases: number;
  earliest: number;
}

interface LedgerRow {
  day: string;
  key: string;
  alias: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
}

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
 * Sessions, stored responses and quotas in one SQLite file (WAL mode): they survive a restart.
 * Several processes on one machine may share the file (workers): the session lock is a row in the
 * file (SqliteKeyLock) and quota operations are each one `BEGIN IMMEDIATE` transaction, so both
 * hold across processes. Not across machines: SQLite's file locking is not safe over NFS, so
 * several machines need Redis (docs/operations.md#session-stores-in-production).
 *
 * Rows stay in the file after their TTL until `ownerOf` no longer needs them (see
 * `StoreOptions.ownerRetentionMs`); `get` and `size` only see rows whose TTL has not passed.
 * Responses (table `responses`, data as JSON text) are invisible once expired, and their rows are
 * pruned along with expired sessions and the lock rows of crashed holders (on open, then at most
 * once a minute on writes).
 */
export class SqliteSessionStore implements StateStore {
  readonly kind = "sqlite" as const;
  private readonly locks: SqliteKeyLock;
  private readonly checkpoints: WalCheckpoints;
  private fileCheck: ReturnType<typeof setInterval> | undefined;
  private readonly ownerRetentionMs: number;
  private lastPrune = 0;
  private readonly pruneEveryMs: number;
  /** The last prune left expired responses behind (it deleted as many as it may at once). */
  private responsesBacklog = false;
  private lastQuotaPrune = 0;
  private readonly now: () => number;
  private readonly admitTx: (l: Limits, key: string, now: number) => Verdict;
  private readonly settleTx: (
    key: string,
    alias: string,
    input: number,
    output: number,
    requests: number,
    now: number,
    lease?: string,
  ) => void;
  /** Kept responses are written one at a time (the statement runs synchronously): one buffer serves. */
  private readonly jsonBuffers = new BufferPool({ initialBytes: 16 * 1024, maxBytes: 4 * 1024 * 1024, size: 1 });
  private readonly q: {
    get: Statement<Row, [string, number]>;
    set: Statement<unknown, [string, string, string, string, number, number, number, number]>;
    delete: Statement<unknown, [string]>;
    deleteBySessionId: Statement<unknown, [string]>;
    ownerOf: Statement<{ owner: string }, [string, number]>;
    size: Statement<{ n: number }, [number]>;
    prune: Statement<unknown, [number]>;
    putResponse: Statement<unknown, [string, string, number, number, Uint8Array]>;
    getResponse: Statement<ResponseRow, [string, number]>;
    deleteResponse: Statement<{ expires_at: number }, [string]>;
    extendResponses: Statement<unknown, [number, string, number]>;
    pruneResponses: Statement<unknown, [number, number]>;
    counts: Statement<CountsRow, [string, number, string, number]>;
    countRequest: Statement<unknown, [string, number]>;
    dropExpiredLeases: Statement<unknown, [string, number]>;
    putLease: Statement<unknown, [string, string, number]>;
    release: Statement<unknown, [string, string]>;
    renewLease: Statement<unknown, [string, string, number, number]>;
    addTokens: Statement<unknown, [string, number, number]>;
    addDayTokens: Statement<unknown, [string, string, number]>;
    addUsage: Statement<unknown, [string, string, string, number, number, number]>;
    usage: Statement<LedgerRow, [string, string, string | null]>;
    pruneMinutes: Statement<unknown, [number]>;
    pruneDays: Statement<unknown, [string]>;
    pruneLeases: Statement<unknown, [number]>;
  };

  private constructor(
    private readonly db: Database,
    /**
     * The quota counters' own connection, which never waits inside SQLite: a write that finds the
     * file locked by another process (workers) fails at once and is tried again after an await
     * (`quotaCall`), so the event loop goes on meanwhile. SQLite's own busy handler sleeps on the
     * calling thread, and with two workers admitting and settling every request it put each
     * worker to sleep so often that two served fewer requests than one (BENCHMARKS.md).
     */
    private readonly qdb: Database,
    readonly path: string,
    opts: SqliteStoreOptions,
  ) {
    this.ownerRetentionMs = checkRetention(opts.ownerRetentionMs);
    this.now = opts.clock ?? Date.now;
    this.pruneEveryMs = opts.pruneEveryMs ?? PRUNE_EVERY_MS;
    this.locks = new SqliteKeyLock(db);
    this.checkpoints = new WalCheckpoints([db, qdb], path, opts.checkpoints);
    const opened = fileId(path);
    const lost = opts.onFileLost;
    if (lost && opened !== undefined) {
      this.fileCheck = setInterval(() => {
        const now = fileId(path);
        if (now === opened) return;
        clearInterval(this.fileCheck);
        lost(now === undefined ? `${path} was deleted` : `${path} was replaced by another file`);
      }, opts.fileCheckEveryMs ?? FILE_CHECK_EVERY_MS);
      this.fileCheck.unref();
    }
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
        `INSERT INTO responses (id, owner, created_at, expires_at, data) VALUES (?, ?, ?, ?, CAST(? AS TEXT))
         ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, created_at = excluded.created_at,
           expires_at = excluded.expires_at, data = excluded.data`,
      ),
      getResponse: db.prepare("SELECT id, owner, created_at, data FROM responses WHERE id = ? AND expires_at > ?"),
      deleteResponse: db.prepare("DELETE FROM responses WHERE id = ? RETURNING expires_at"),
      // The ids as one JSON array: one statement for a whole chain.
      extendResponses: db.prepare(
        `UPDATE responses SET expires_at = ?1
         WHERE id IN (SELECT value FROM json_each(?2)) AND expires_at > ?3 AND expires_at < ?1`,
      ),
      pruneResponses: db.prepare(
        "DELETE FROM responses WHERE id IN (SELECT id FROM responses WHERE expires_at <= ? LIMIT ?)",
      ),
      counts: qdb.prepare(
        `SELECT
           COALESCE((SELECT requests FROM quota_minutes WHERE key = ?1 AND minute = ?2 - 1), 0) AS req_prev,
           COALESCE((SELECT requests FROM quota_minutes WHERE key = ?1 AND minute = ?2), 0) AS req_cur,
           COALESCE((SELECT tokens FROM quota_minutes WHERE key = ?1 AND minute = ?2 - 1), 0) AS tok_prev,
           COALESCE((SELECT tokens FROM quota_minutes WHERE key = ?1 AND minute = ?2), 0) AS tok_cur,
           COALESCE((SELECT tokens FROM quota_days WHERE key = ?1 AND day = ?3), 0) AS day_tokens,
           (SELECT COUNT(*) FROM quota_leases WHERE key = ?1 AND expires_at > ?4) AS leases,
           COALESCE((SELECT MIN(expires_at) FROM quota_leases WHERE key = ?1 AND expires_at > ?4), 0) AS earliest`,
      ),
      countRequest: qdb.prepare(
        `INSERT INTO quota_minutes (key, minute, requests, tokens) VALUES (?, ?, 1, 0)
         ON CONFLICT (key, minute) DO UPDATE SET requests = requests + 1`,
      ),
      dropExpiredLeases: qdb.prepare("DELETE FROM quota_leases WHERE key = ? AND expires_at <= ?"),
      putLease: qdb.prepare(
        `INSERT INTO quota_leases (key, lease_id, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (key, lease_id) DO UPDATE SET expires_at = excluded.expires_at`,
      ),
      release: qdb.prepare("DELETE FROM quota_leases WHERE key = ? AND lease_id = ?"),
      renewLease: qdb.prepare(
        "UPDATE quota_leases SET expires_at = ?3 WHERE key = ?1 AND lease_id = ?2 AND expires_at > ?4",
      ),
      addTokens: qdb.prepare(
        `INSERT INTO quota_minutes (key, minute, requests, tokens) VALUES (?, ?, 0, ?)
         ON CONFLICT (key, minute) DO UPDATE SET tokens = tokens + excluded.tokens`,
      ),
      addDayTokens: qdb.prepare(
        `INSERT INTO quota_days (key, day, tokens) VALUES (?, ?, ?)
         ON CONFLICT (key, day) DO UPDATE SET tokens = tokens + excluded.tokens`,
      ),
      addUsage: qdb.prepare(
        `INSERT INTO usage_ledger (day, key, alias, requests, input_tokens, output_tokens) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (day, key, alias) DO UPDATE SET requests = requests + excluded.requests,
           input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens`,
      ),
      usage: qdb.prepare(
        `SELECT day, key, alias, requests, input_tokens, output_tokens FROM usage_ledger
         WHERE day >= ?1 AND day <= ?2 AND (?3 IS NULL OR key = ?3)`,
      ),
      pruneMinutes: qdb.prepare("DELETE FROM quota_minutes WHERE minute < ?"),
      pruneDays: qdb.prepare("DELETE FROM quota_days WHERE day < ?"),
      pruneLeases: qdb.prepare("DELETE FROM quota_leases WHERE expires_at <= ?"),
    };
    const q = this.q;
    const admit = qdb.transaction((l: Limits, key: string, now: number): Verdict => {
      const minute = Math.floor(now / MINUTE_MS);
      const c = q.counts.get(key, minute, utcDay(now), now);
      const v = decide(now, l, {
        reqPrev: c?.req_prev ?? 0,
        reqCur: c?.req_cur ?? 0,
        tokPrev: c?.tok_prev ?? 0,
        tokCur: c?.tok_cur ?? 0,
        dayTokens: c?.day_tokens ?? 0,
        leases: c?.leases ?? 0,
        earliestLeaseEnd: c?.earliest ?? 0,
      });
      if (v[0] === 1) {
        q.countRequest.run(key, minute);
        if (l.concurrent >= 0) {
          q.dropExpiredLeases.run(key, now);
          q.putLease.run(key, l.leaseId, now + l.leaseMs);
        }
        this.pruneQuotasNow(now);
      }
      return v;
    });
    const settle = qdb.transaction(
      (key: string, alias: string, input: number, output: number, n: number, now: number, lease?: string) => {
        if (lease !== undefined) q.release.run(key, lease);
        const day = utcDay(now);
        if (input + output > 0) {
          q.addTokens.run(key, Math.floor(now / MINUTE_MS), input + output);
          q.addDayTokens.run(key, day, input + output);
        }
        q.addUsage.run(day, key, alias, n, input, output);
        this.pruneQuotasNow(now);
      },
    );
    // IMMEDIATE takes the write lock before reading, so two processes cannot both see room.
    this.admitTx = (l, key, now) => admit.immediate(l, key, now);
    this.settleTx = (key, alias, input, output, n, now, lease) =>
      settle.immediate(key, alias, input, output, n, now, lease);
  }

  /**
   * Opens (creating the file and its directory if needed) and proves the file writable, so a
   * read-only location fails here, where the caller can fall back, not on the first request.
   */
  static open(path: string, opts: SqliteStoreOptions = {}): SqliteSessionStore {
    mkdirSync(dirname(path), { recursive: true });
    // bun:sqlite is loaded by the store that uses it, not at every start (docs/architecture.md#start-up-what-loads-when).
    const { Database } = require("bun:sqlite") as typeof import("bun:sqlite");
    const db = new Database(path, { create: true, readwrite: true, strict: true });
    let qdb: Database | undefined;
    try {
      db.run("PRAGMA busy_timeout = 2000");
      db.run("PRAGMA journal_mode = WAL");
      // In WAL mode NORMAL is still safe against a crashed process (only a power cut may lose the
      // last commits), and it spares every quota admission and settlement an fsync.
      db.run("PRAGMA synchronous = NORMAL");
      db.run(SCHEMA);
      db.run(SESSION_LOCKS_SCHEMA);
      db.run("BEGIN IMMEDIATE");
      db.run("COMMIT");
      qdb = new Database(path, { readwrite: true, strict: true });
      qdb.run("PRAGMA busy_timeout = 2000"); // until the start's prune is done; then 0 (below)
      qdb.run("PRAGMA synchronous = NORMAL");
      const store = new SqliteSessionStore(db, qdb, path, opts);
      // Nothing is served yet: everything expired goes now, not a batch per write.
      do store.prune(Date.now());
      while (store.responsesBacklog);
      store.pruneQuotas(store.now());
      qdb.run("PRAGMA busy_timeout = 0");
      db.run("PRAGMA busy_timeout = 0");
      store.checkpoints.watch();
      return store;
    } catch (e) {
      qdb?.close();
      db.close();
      throw e;
    }
  }

  /** Keys held by a lock right now (0 once every holder released: no entries leak). */
  get heldLocks(): number {
    return this.locks.heldKeys;
  }

  async get(key: string): Promise<SessionRecord | undefined> {
    const row = await whenNotBusy(() => this.q.get.get(key, Date.now()));
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
    await whenNotBusy(() => {
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
      if (this.responsesBacklog || now - this.lastPrune >= this.pruneEveryMs) this.prune(now);
    });
  }

  async delete(key: string): Promise<void> {
    await whenNotBusy(() => this.q.delete.run(key));
  }

  async deleteBySessionId(sessionId: string): Promise<void> {
    await whenNotBusy(() => this.q.deleteBySessionId.run(sessionId));
  }

  async ownerOf(sessionId: string): Promise<string | undefined> {
    return (await whenNotBusy(() => this.q.ownerOf.get(sessionId, Date.now())))?.owner;
  }

  /** Held across the processes sharing the file; a holder that dies frees it after `leaseMs`. */
  lock(key: string, opts: LockOptions): Promise<Release> {
    return this.locks.acquire(key, opts);
  }

  async size(): Promise<number> {
    return (await whenNotBusy(() => this.q.size.get(Date.now())))?.n ?? 0;
  }

  async putResponse(r: StoredResponse, ttlMs: number): Promise<void> {
    checkTtl(ttlMs, "response TTL");
    // Written as UTF-8 into a reused buffer and kept as text (the CAST): a kept response holds
    // its whole input, and a fresh JSON string of it per request is what the allocator hands back
    // to the kernel and faults in again (docs/architecture.md, "Request bodies to OCI").
    // One buffer, and the statement runs synchronously: it is always free here. A file another
    // process is writing makes the write wait (awaiting): the bytes are copied out first, so the
    // buffer is back before anything else runs.
    const now = Date.now();
    const write = (data: Uint8Array) => {
      this.q.putResponse.run(r.id, r.owner, r.createdAt, now + ttlMs, data);
      if (this.responsesBacklog || now - this.lastPrune >= this.pruneEveryMs) this.prune(now);
    };
    let waiting: Uint8Array | undefined;
    const json = new JsonUtf8Writer(this.jsonBuffers.take()!);
    try {
      const data = json.write(r.data).bytes();
      try {
        write(data);
        return;
      } catch (e) {
        if (!isBusy(e)) throw new StoreUnavailableError("sqlite", e);
        waiting = data.slice();
      }
    } finally {
      this.jsonBuffers.give(json.buffer);
    }
    const bytes = waiting;
    await whenNotBusy(() => write(bytes));
  }

  async getResponse(id: string): Promise<StoredResponse | undefined> {
    const row = await whenNotBusy(() => this.q.getResponse.get(id, Date.now()));
    if (!row) return undefined;
    const data = parseData(row.data);
    return data && { id: row.id, owner: row.owner, createdAt: row.created_at, data };
  }

  async deleteResponse(id: string): Promise<boolean> {
    const now = Date.now();
    const row = await whenNotBusy(() => this.q.deleteResponse.get(id));
    return row !== null && row.expires_at > now;
  }

  async extendResponses(ids: string[], ttlMs: number): Promise<void> {
    checkTtl(ttlMs, "response TTL");
    if (ids.length === 0) return;
    const now = Date.now();
    await whenNotBusy(() => this.q.extendResponses.run(now + ttlMs, JSON.stringify(ids), now));
  }

  async admit(req: AdmitRequest): Promise<Admission> {
    const l = limitsOf(req);
    return toAdmission(req, await whenNotBusy(() => this.admitTx(l, req.key, this.now())));
  }

  async release(key: string, leaseId: string): Promise<void> {
    await whenNotBusy(() => this.q.release.run(key, leaseId));
  }

  async renewLease(key: string, leaseId: string, leaseMs: number): Promise<void> {
    const now = this.now();
    await whenNotBusy(() => this.q.renewLease.run(key, leaseId, now + leaseMs, now));
  }

  async settle(key: string, alias: string, usage: SettledUsage, releaseLease?: string): Promise<void> {
    const input = tokensOf(usage.inputTokens);
    const output = tokensOf(usage.outputTokens);
    await whenNotBusy(() => this.settleTx(key, alias, input, output, settledRequests(usage), this.now(), releaseLease));
  }

  async usage(filter: { from: string; to: string; key?: string }): Promise<UsageRow[]> {
    usageDays(filter);
    const rows = await whenNotBusy(() => this.q.usage.all(filter.from, filter.to, filter.key ?? null));
    return sortUsage(
      rows.map((r) => ({
        day: r.day,
        key: r.key,
        alias: r.alias,
        requests: r.requests,
        inputTokens: r.input_tokens,
        outputTokens: r.output_tokens,
      })),
    );
  }

  /** Whether WAL checkpoints run on their own thread now (see wal-checkpoints.ts). */
  get checkpointsOffThread(): boolean {
    return this.checkpoints.offThread;
  }

  async close(): Promise<void> {
    clearInterval(this.fileCheck);
    await this.checkpoints.close();
    this.locks.close();
    for (const s of Object.values(this.q)) s.finalize();
    this.qdb.close();
    this.db.close();
  }

  private prune(now: number): void {
    this.lastPrune = now;
    this.q.prune.run(now);
    this.responsesBacklog = this.q.pruneResponses.run(now, PRUNE_RESPONSES_AT_ONCE).changes === PRUNE_RESPONSES_AT_ONCE;
    this.locks.prune(now);
  }

  private pruneQuotasNow(now: number): void {
    if (now - this.lastQuotaPrune >= this.pruneEveryMs) this.pruneQuotas(now);
  }

  /** Minute buckets older than the previous minute, day counters older than yesterday, expired leases. */
  private pruneQuotas(now: number): void {
    this.lastQuotaPrune = now;
    this.q.pruneMinutes.run(Math.floor(now / MINUTE_MS) - 1);
    this.q.pruneDays.run(utcDay(now - DAY_MS));
    this.q.pruneLeases.run(now);
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
