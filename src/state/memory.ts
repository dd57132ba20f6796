import { KeyLock } from "./key-lock";
import { DAY_MS, decide, limitsOf, sortUsage, toAdmission, tokensOf, usageDays, utcDay } from "./quota-rules";
import { MINUTE_MS } from "./sliding-window";
import {
  type Admission,
  type AdmitRequest,
  type LockOptions,
  type Release,
  type SessionRecord,
  type SettledUsage,
  type StateStore,
  type StoredResponse,
  settledRequests,
  type UsageRow,
} from "./types";

/** How long `ownerOf` still answers after a record's last `set` (never less than its TTL). */
export const DEFAULT_OWNER_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Expired entries are swept at most this often (on writes), so forgotten keys do not pile up. */
const SWEEP_EVERY_MS = 60_000;

/** Stored responses the memory store keeps at most, unless told otherwise. */
export const DEFAULT_MAX_RESPONSES = 10_000;
/** What they may weigh together (characters of their JSON), unless told otherwise. */
export const DEFAULT_MAX_RESPONSE_CHARS = 256 * 1024 * 1024;

export interface StoreOptions {
  /**
   * How long the owner of a session id is remembered after the record's last `set`
   * (default 24 h; at least the record's TTL). A record past its TTL is gone for `get`/`size`,
   * but `ownerOf` keeps answering for this long, so a session that a manual-mode caller keeps
   * alive at OCI is still refused to other API keys after its auto-mode record expired.
   */
  ownerRetentionMs?: number;
}

export interface QuotaClockOptions {
  /**
   * The clock quotas are counted by (epoch ms; default `Date.now`), so tests can cross a minute
   * or a day without waiting. Sessions and responses always use `Date.now`.
   */
  clock?: () => number;
}

export interface MemoryStoreOptions extends StoreOptions, QuotaClockOptions {
  /**
   * Most stored responses kept at once (default 10,000). When a new one would go past it,
   * expired ones are dropped first, then the oldest (first stored) live ones. The bound counts
   * responses; `maxResponseChars` bounds what they weigh.
   */
  maxResponses?: number;
  /**
   * Most characters of stored responses' JSON kept at once (default 256 Mi): a response holds its
   * whole input, up to MAX_JSON_MB, so a count alone would let a few keys fill the memory.
   */
  maxResponseChars?: number;
}

interface Entry {
  record: SessionRecord;
  expiresAt: number;
  ownerUntil: number;
}

/** One key's quota counters. */
interface QuotaEntry {
  /** Epoch minute → what it counted; only this minute and the one before are kept. */
  minutes: Map<number, { requests: number; tokens: number }>;
  /** UTC day → tokens; only today and yesterday are kept. */
  days: Map<string, number>;
  /** Lease id → when it expires (epoch ms). */
  leases: Map<string, number>;
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
 * Sessions, stored responses and quotas in this process only: lost on restart, not shared between
 * instances. Responses are bounded by `maxResponses`; quota counters hold one entry per key
 * (keys come from configuration), the usage ledger one row per day, key and alias.
 */
export class MemorySessionStore implements StateStore {
  readonly kind = "memory" as const;
  private readonly entries = new Map<string, Entry>();
  /** id → response, in the order they were stored (a re-stored id moves to the end). */
  private readonly responses = new Map<string, ResponseEntry>();
  private readonly maxResponses: number;
  private readonly maxResponseChars: number;
  /** Characters of the stored responses' JSON, together. */
  private responseChars = 0;
  /** session id → keys whose entry holds it. */
  private readonly bySession = new Map<string, Set<string>>();
  private readonly locks = new KeyLock();
  private readonly ownerRetentionMs: number;
  private lastSweep = Date.now();
  private readonly quotas = new Map<string, QuotaEntry>();
  /** day → key → alias → row. */
  private readonly ledger = new Map<string, Map<string, Map<string, UsageRow>>>();
  private readonly now: () => number;

  constructor(opts: MemoryStoreOptions = {}) {
    this.ownerRetentionMs = checkRetention(opts.ownerRetentionMs);
    this.now = opts.clock ?? Date.now;
    this.maxResponses = opts.maxResponses ?? DEFAULT_MAX_RESPONSES;
    this.maxResponseChars = opts.maxResponseChars ?? DEFAULT_MAX_RESPONSE_CHARS;
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
    this.dropResponse(r.id);
    const full = () =>
      this.responses.size >= this.maxResponses || this.responseChars + json.length > this.maxResponseChars;
    if (full()) {
      this.sweepResponses(now);
      for (const id of this.responses.keys()) {
        if (!full()) break;
        this.dropResponse(id); // the oldest first: a Map iterates in insertion order
      }
    }
    this.responses.set(r.id, { id: r.id, owner: r.owner, createdAt: r.createdAt, json, expiresAt: now + ttlMs });
    this.responseChars += json.length;
  }

  async getResponse(id: string): Promise<StoredResponse | undefined> {
    const e = this.responses.get(id);
    if (!e || e.expiresAt <= Date.now()) return undefined;
    return { id: e.id, owner: e.owner, createdAt: e.createdAt, data: JSON.parse(e.json) };
  }

  async deleteResponse(id: string): Promise<boolean> {
    const e = this.responses.get(id);
    if (!e) return false;
    this.dropResponse(id);
    return e.expiresAt > Date.now();
  }

  async extendResponses(ids: string[], ttlMs: number): Promise<void> {
    checkTtl(ttlMs, "response TTL");
    const now = Date.now();
    for (const id of ids) {
      const e = this.responses.get(id);
      if (!e || e.expiresAt <= now) continue;
      e.expiresAt = Math.max(e.expiresAt, now + ttlMs);
      // Moved to the end: when the store is full, the responses of a chain still in use are
      // evicted last, not first for being its oldest.
      this.responses.delete(id);
      this.responses.set(id, e);
    }
  }

  async admit(req: AdmitRequest): Promise<Admission> {
    const l = limitsOf(req);
    const now = this.now();
    const minute = Math.floor(now / MINUTE_MS);
    const q = this.quota(req.key);
    const cur = q.minutes.get(minute);
    const prev = q.minutes.get(minute - 1);
    let leases = 0;
    let earliest = 0;
    if (l.concurrent >= 0)
      for (const end of q.leases.values())
        if (end > now) {
          leases++;
          if (earliest === 0 || end < earliest) earliest = end;
        }
    const v = decide(now, l, {
      reqPrev: prev?.requests ?? 0,
      reqCur: cur?.requests ?? 0,
      tokPrev: prev?.tokens ?? 0,
      tokCur: cur?.tokens ?? 0,
      dayTokens: l.daily >= 0 ? (q.days.get(utcDay(now)) ?? 0) : 0,
      leases,
      earliestLeaseEnd: earliest,
    });
    if (v[0] === 1) {
      bucket(q, minute).requests++;
      if (l.concurrent >= 0) {
        for (const [id, end] of q.leases) if (end <= now) q.leases.delete(id);
        q.leases.set(l.leaseId, now + l.leaseMs);
      }
    }
    return toAdmission(req, v);
  }

  async release(key: string, leaseId: string): Promise<void> {
    this.quotas.get(key)?.leases.delete(leaseId);
  }

  async renewLease(key: string, leaseId: string, leaseMs: number): Promise<void> {
    const leases = this.quotas.get(key)?.leases;
    const end = leases?.get(leaseId);
    const now = this.now();
    if (leases && end !== undefined && end > now) leases.set(leaseId, now + leaseMs);
  }

  async settle(key: string, alias: string, usage: SettledUsage, releaseLease?: string): Promise<void> {
    if (releaseLease !== undefined) this.quotas.get(key)?.leases.delete(releaseLease);
    const input = tokensOf(usage.inputTokens);
    const output = tokensOf(usage.outputTokens);
    const now = this.now();
    const day = utcDay(now);
    if (input + output > 0) {
      const q = this.quota(key);
      bucket(q, Math.floor(now / MINUTE_MS)).tokens += input + output;
      const had = q.days.get(day);
      if (had === undefined) {
        const yesterday = utcDay(now - DAY_MS);
        for (const d of q.days.keys()) if (d < yesterday) q.days.delete(d);
      }
      q.days.set(day, (had ?? 0) + input + output);
    }
    const byKey = getOrSet(this.ledger, day, () => new Map<string, Map<string, UsageRow>>());
    const row = getOrSet(
      getOrSet(byKey, key, () => new Map<string, UsageRow>()),
      alias,
      () => ({
        day,
        key,
        alias,
        requests: 0,
        inputTokens: 0,
        outputTokens: 0,
      }),
    );
    row.requests += settledRequests(usage);
    row.inputTokens += input;
    row.outputTokens += output;
  }

  async usage(filter: { from: string; to: string; key?: string }): Promise<UsageRow[]> {
    const rows: UsageRow[] = [];
    for (const day of usageDays(filter))
      for (const [key, byAlias] of this.ledger.get(day) ?? [])
        if (filter.key === undefined || key === filter.key) for (const row of byAlias.values()) rows.push({ ...row });
    return sortUsage(rows);
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.bySession.clear();
    this.responses.clear();
    this.responseChars = 0;
    this.quotas.clear();
    this.ledger.clear();
  }

  private quota(key: string): QuotaEntry {
    return getOrSet(this.quotas, key, () => ({ minutes: new Map(), days: new Map(), leases: new Map() }));
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
    for (const [id, e] of this.responses) if (e.expiresAt <= now) this.dropResponse(id);
  }

  private dropResponse(id: string): void {
    const e = this.responses.get(id);
    if (!e) return;
    this.responses.delete(id);
    this.responseChars -= e.json.length;
  }
}

/** The minute's bucket, made on first use; buckets older than the previous minute go then. */
function bucket(q: QuotaEntry, minute: number): { requests: number; tokens: number } {
  let b = q.minutes.get(minute);
  if (!b) {
    for (const m of q.minutes.keys()) if (m < minute - 1) q.minutes.delete(m);
    b = { requests: 0, tokens: 0 };
    q.minutes.set(minute, b);
  }
  return b;
}

function getOrSet<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
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
