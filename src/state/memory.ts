import { KeyLock } from "./key-lock";
import type { LockOptions, Release, SessionRecord, StateStore, StoredResponse } from "./types";

/** How long `ownerOf` still answers after a record's last `set` (never less than its TTL). */
export const DEFAULT_OWNER_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Expired entries are swept at most this often (on writes), so forgotten keys do not pile up. */
const SWEEP_EVERY_MS = 60_000;

/** Stored responses the memory store keeps at most, unless told otherwise. */
export const DEFAULT_MAX_RESPONSES = 10_000;

export interface StoreOptions {
  /**
   * How long the owner of a session id is remembered after the record's last `set`
   * (default 24 h; at least the record's TTL). A record past its TTL is gone for `get`/`size`,
   * but `ownerOf` keeps answering for this long, so a session that a manual-mode caller keeps
   * alive at OCI is still refused to other API keys after its auto-mode record expired.
   */
  ownerRetentionMs?: number;
}

export interface MemoryStoreOptions extends StoreOptions {
  /**
   * Most stored responses kept at once (default 10,000). When a new one would go past it,
   * expired ones are dropped first, then the oldest (first stored) live ones. The bound counts
   * responses, not bytes: a response holds its whole input and output, so size it to memory.
   */
  maxResponses?: number;
}

interface Entry {
  record: SessionRecord;
  expiresAt: number;
  ownerUntil: number;
}

interface ResponseEntry {
  id: string;
  owner: string;
  createdAt: number;
  /** The data as JSON, so what comes back is what SQLite and Redis would give back (a copy). */
  json: string;
  expiresAt: number;
}

/**
 * Sessions and stored responses in this process only: lost on restart, not shared between
 * instances. Responses are bounded by `maxResponses`.
 */
export class MemorySessionStore implements StateStore {
  readonly kind = "memory" as const;
  private readonly entries = new Map<string, Entry>();
  /** id → response, in the order they were stored (a re-stored id moves to the end). */
  private readonly responses = new Map<string, ResponseEntry>();
  private readonly maxResponses: number;
  /** session id → keys whose entry holds it. */
  private readonly bySession = new Map<string, Set<string>>();
  private readonly locks = new KeyLock();
  private readonly ownerRetentionMs: number;
  private lastSweep = Date.now();

  constructor(opts: MemoryStoreOptions = {}) {
    this.ownerRetentionMs = checkRetention(opts.ownerRetentionMs);
    this.maxResponses = opts.maxResponses ?? DEFAULT_MAX_RESPONSES;
    if (!Number.isSafeInteger(this.maxResponses) || this.maxResponses < 1)
      throw new RangeError(`maxResponses must be a whole number >= 1, got ${opts.maxResponses}`);
  }

  /** Keys held by a lock right now (0 once every holder released: no entries leak). */
  get heldLocks(): number {
    return this.locks.heldKeys;
  }

  async get(key: string): Promise<SessionRecord | undefined> {
    const e = this.entries.get(key);
    if (!e || e.expiresAt <= Date.now()) return undefined;
    return { ...e.record };
  }

  async set(key: string, record: SessionRecord, ttlMs: number): Promise<void> {
    checkTtl(ttlMs);
    const now = Date.now();
    this.sweep(now);
    this.remove(key);
    this.entries.set(key, {
      record: { ...record },
      expiresAt: now + ttlMs,
      ownerUntil: now + Math.max(ttlMs, this.ownerRetentionMs),
    });
    let keys = this.bySession.get(record.sessionId);
    if (!keys) {
      keys = new Set();
      this.bySession.set(record.sessionId, keys);
    }
    keys.add(key);
  }

  async delete(key: string): Promise<void> {
    this.remove(key);
  }

  async deleteBySessionId(sessionId: string): Promise<void> {
    for (const key of [...(this.bySession.get(sessionId) ?? [])]) this.remove(key);
  }

  async ownerOf(sessionId: string): Promise<string | undefined> {
    const now = Date.now();
    for (const key of this.bySession.get(sessionId) ?? []) {
      const e = this.entries.get(key);
      if (e && e.ownerUntil > now) return e.record.owner;
    }
    return undefined;
  }

  /** `leaseMs` does not apply: an in-process holder cannot die without its lock dying too. */
  lock(key: string, opts: LockOptions): Promise<Release> {
    return this.locks.acquire(key, opts.waitMs);
  }

  async size(): Promise<number> {
    const now = Date.now();
    let n = 0;
    for (const e of this.entries.values()) if (e.expiresAt > now) n++;
    return n;
  }

  async putResponse(r: StoredResponse, ttlMs: number): Promise<void> {
    checkTtl(ttlMs, "response TTL");
    const json = JSON.stringify(r.data);
    const now = Date.now();
    this.sweep(now);
    this.responses.delete(r.id);
    if (this.responses.size >= this.maxResponses) {
      this.sweepResponses(now);
      for (const id of this.responses.keys()) {
        if (this.responses.size < this.maxResponses) break;
        this.responses.delete(id); // the oldest first: a Map iterates in insertion order
      }
    }
    this.responses.set(r.id, { id: r.id, owner: r.owner, createdAt: r.createdAt, json, expiresAt: now + ttlMs });
  }

  async getResponse(id: string): Promise<StoredResponse | undefined> {
    const e = this.responses.get(id);
    if (!e || e.expiresAt <= Date.now()) return undefined;
    return { id: e.id, owner: e.owner, createdAt: e.createdAt, data: JSON.parse(e.json) };
  }

  async deleteResponse(id: string): Promise<boolean> {
    const e = this.responses.get(id);
    if (!e) return false;
    this.responses.delete(id);
    return e.expiresAt > Date.now();
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.bySession.clear();
    this.responses.clear();
  }

  private remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    const keys = this.bySession.get(e.record.sessionId);
    keys?.delete(key);
    if (keys?.size === 0) this.bySession.delete(e.record.sessionId);
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [key, e] of this.entries) if (e.ownerUntil <= now) this.remove(key);
    this.sweepResponses(now);
  }

  private sweepResponses(now: number): void {
    for (const [id, e] of this.responses) if (e.expiresAt <= now) this.responses.delete(id);
  }
}

/** A TTL the store can honour: a positive number of milliseconds. */
export function checkTtl(ttlMs: number, what = "session TTL"): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0)
    throw new RangeError(`${what} must be a positive number of milliseconds, got ${ttlMs}`);
}

export function checkRetention(ms: number | undefined): number {
  if (ms === undefined) return DEFAULT_OWNER_RETENTION_MS;
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`ownerRetentionMs must be a finite number >= 0, got ${ms}`);
  return ms;
}
