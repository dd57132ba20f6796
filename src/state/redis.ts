import { RedisClient } from "bun";
import { holdLease } from "./held-lease";
import { KeyLock } from "./key-lock";
import { checkRetention, checkTtl, type StoreOptions } from "./memory";
import {
  DAY_COUNTER_TTL_MS,
  limitsOf,
  MINUTE_BUCKET_TTL_MS,
  QUOTA_RULES_LUA,
  sortUsage,
  toAdmission,
  tokensOf,
  usageDays,
  type Verdict,
} from "./quota-rules";
import {
  type Admission,
  type AdmitRequest,
  type LockOptions,
  LockTimeoutError,
  type Release,
  type SessionRecord,
  type SettledUsage,
  type StateStore,
  type StoredResponse,
  StoreUnavailableError,
  settledRequests,
  type UsageRow,
} from "./types";

export interface RedisStoreOptions extends StoreOptions {
  /**
   * Longest one store call may take, reconnecting included, before it fails with
   * StoreUnavailableError (default 1500 ms), so a request answers 503 instead of hanging.
   */
  opTimeoutMs?: number;
  /**
   * Prefix of every key (default `ocigenai:`): `<prefix>session:`, `<prefix>lock:`, `<prefix>sid:`,
   * `<prefix>resp:`, and for quotas `<prefix>rpm:`, `<prefix>tpm:`, `<prefix>day:`, `<prefix>lease:`,
   * `<prefix>usage:`.
   */
  prefix?: string;
}

export const DEFAULT_REDIS_PREFIX = "ocigenai:";
const DEFAULT_OP_TIMEOUT_MS = 1500;
/** A call written to a live connection that got no answer in time: Redis may still run it later. */
class StalledCall extends StoreUnavailableError {
  constructor(cause: unknown) {
    super("redis", cause);
  }
}

/** When a call that failed is undone (`afterStall`): soon, and again for a stall that lasts. */
const STALL_UNDO_MS = [2_000, 10_000, 60_000];

// A stored response is one key, `resp:<id>`, holding its JSON (PX = its TTL).
// Record under `session:<key>` (PX = TTL); per session id a hash `sid:<id>` holding the owner and
// a `k:<key>` field per key that pointed at it, kept for the owner retention. Stale `k:` fields
// (key deleted or moved to another session) are harmless: deletion checks the record first.
const SET_SCRIPT = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('HSET', KEYS[2], 'owner', ARGV[3], 'k:' .. ARGV[5], '1')
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
return 1`;
/** Each key that still lives keeps ARGV[1] ms at least (PTTL: -2 missing, -1 without expiry). */
const EXTEND_SCRIPT = `
for _, k in ipairs(KEYS) do
  local left = redis.call('PTTL', k)
  if left >= 0 and left < tonumber(ARGV[1]) then redis.call('PEXPIRE', k, ARGV[1]) end
end
return 1`;
const DELETE_BY_SESSION_SCRIPT = `
for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(f, 1, 2) == 'k:' then
    local rk = ARGV[1] .. string.sub(f, 3)
    local v = redis.call('GET', rk)
    if v then
      local ok, rec = pcall(cjson.decode, v)
      if ok and type(rec) == 'table' and rec.sessionId == ARGV[2] then redis.call('DEL', rk) end
    end
  end
end
return redis.call('DEL', KEYS[1])`;
/** Only the holder (same token) may delete or extend its lock. */
const UNLOCK_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const RENEW_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

// Quotas (docs/operations.md#quotas-and-usage-in-the-state-store). Keys are built inside the
// scripts from Redis's own TIME, so every instance counts in the same minute and day whatever its
// clock says; that also means they are not declared in KEYS (fine on one server, not on a Cluster).
//   rpm:<epoch minute>:<key>, tpm:<epoch minute>:<key>  counters, PEXPIRE 150 s
//   day:<YYYY-MM-DD>:<key>                              the day's tokens, PEXPIRE 2 days
//   lease:<key>                                         sorted set: lease id scored by its expiry (ms)
//   usage:<YYYY-MM-DD>                                  hash: r|i|o:<JSON [key, alias]> → count, kept
const QUOTA_PRELUDE = `
if redis.replicate_commands then redis.replicate_commands() end
${QUOTA_RULES_LUA}
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function int(n) return string.format('%d', n) end
`;
const ADMIT_SCRIPT = `${QUOTA_PRELUDE}
local p, key = ARGV[1], ARGV[2]
local rpm, tpm, daily, climit = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local lease_id, lease_ms = ARGV[7], tonumber(ARGV[8])
local now = now_ms()
local minute = math.floor(now / MINUTE_MS)
local rc = p .. 'rpm:' .. int(minute) .. ':' .. key
local c = redis.call('MGET', p .. 'rpm:' .. int(minute - 1) .. ':' .. key, rc,
  p .. 'tpm:' .. int(minute - 1) .. ':' .. key, p .. 'tpm:' .. int(minute) .. ':' .. key,
  p .. 'day:' .. utc_day(now) .. ':' .. key)
local lk = p .. 'lease:' .. key
local leases, earliest = 0, 0
if climit >= 0 then
  local first = redis.call('ZRANGEBYSCORE', lk, '(' .. int(now), '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if first[2] then
    earliest = tonumber(first[2])
    leases = redis.call('ZCOUNT', lk, '(' .. int(now), '+inf')
  end
end
local v = decide(now, rpm, tpm, daily, climit, tonumber(c[1]) or 0, tonumber(c[2]) or 0,
  tonumber(c[3]) or 0, tonumber(c[4]) or 0, tonumber(c[5]) or 0, leases, earliest)
if v[1] == 1 then
  redis.call('INCR', rc)
  redis.call('PEXPIRE', rc, ${MINUTE_BUCKET_TTL_MS})
  if climit >= 0 then
    redis.call('ZREMRANGEBYSCORE', lk, '-inf', int(now))
    redis.call('ZADD', lk, int(now + lease_ms), lease_id)
    if redis.call('PTTL', lk) < lease_ms then redis.call('PEXPIRE', lk, lease_ms) end
  end
end
return v`;
const SETTLE_SCRIPT = `${QUOTA_PRELUDE}
local p, key = ARGV[1], ARGV[2]
local input, output = tonumber(ARGV[3]), tonumber(ARGV[4])
local now = now_ms()
local day = utc_day(now)
if input + output > 0 then
  local tc = p .. 'tpm:' .. int(math.floor(now / MINUTE_MS)) .. ':' .. key
  redis.call('INCRBY', tc, int(input + output))
  redis.call('PEXPIRE', tc, ${MINUTE_BUCKET_TTL_MS})
  local dk = p .. 'day:' .. day .. ':' .. key
  redis.call('INCRBY', dk, int(input + output))
  redis.call('PEXPIRE', dk, ${DAY_COUNTER_TTL_MS})
end
local uk = p .. 'usage:' .. day
redis.call('HINCRBY', uk, ARGV[5], int(tonumber(ARGV[8])))
redis.call('HINCRBY', uk, ARGV[6], int(input))
redis.call('HINCRBY', uk, ARGV[7], int(output))
return 1`;

/**
 * A script sent by its SHA1 (EVALSHA), and in full only when the server does not have it yet. The
 * hash is taken at first use: this module is loaded at every start, whatever the store.
 */
class Script {
  private hash?: string;
  constructor(readonly text: string) {}
  get sha(): string {
    this.hash ??= new Bun.CryptoHasher("sha1").update(this.text).digest("hex");
    return this.hash;
  }
}

/** A live lease (scored by its expiry, on Redis's clock as admit's) runs ARGV[3] ms from now. */
const RENEW_LEASE_SCRIPT = `${QUOTA_PRELUDE}
local lk, lease_id, ms = ARGV[1] .. 'lease:' .. ARGV[2], ARGV[4], tonumber(ARGV[3])
local now = now_ms()
local ends = redis.call('ZSCORE', lk, lease_id)
if not ends or tonumber(ends) <= now then return 0 end
redis.call('ZADD', lk, 'XX', int(now + ms), lease_id)
if redis.call('PTTL', lk) < ms then redis.call('PEXPIRE', lk, ms) end
return 1`;

const ADMIT = new Script(ADMIT_SCRIPT);
const SETTLE = new Script(SETTLE_SCRIPT);
const RENEW_LEASE = new Script(RENEW_LEASE_SCRIPT);

/**
 * Sessions, stored responses and quotas in Redis, shared by every gateway instance pointing at it;
 * each quota operation is one script (one round trip, atomic). The per-key lock is a Redis lock
 * too (`SET NX PX`, renewed while held, released by compare-and-delete). Within one process
 * waiters queue first come first served in a local lock before polling Redis.
 *
 * Bun's client is used without its offline queue and auto-reconnect: while Redis is down every
 * call fails fast with StoreUnavailableError, and the next call after it is back reconnects.
 */
export class RedisSessionStore implements StateStore {
  readonly kind = "redis" as const;
  private conn: Connection | undefined;
  private closed = false;
  private readonly local = new KeyLock();
  private readonly held = new Set<() => void>();
  private readonly ownerRetentionMs: number;
  private readonly opTimeoutMs: number;
  private readonly prefix: string;

  constructor(
    private readonly url: string,
    opts: RedisStoreOptions = {},
  ) {
    this.ownerRetentionMs = checkRetention(opts.ownerRetentionMs);
    this.opTimeoutMs = opts.opTimeoutMs ?? DEFAULT_OP_TIMEOUT_MS;
    if (!Number.isFinite(this.opTimeoutMs) || this.opTimeoutMs <= 0)
      throw new RangeError(`opTimeoutMs must be a positive number, got ${opts.opTimeoutMs}`);
    this.prefix = opts.prefix ?? DEFAULT_REDIS_PREFIX;
  }

  /** Keys this process holds or waits for (0 once every holder released). */
  get heldLocks(): number {
    return this.local.heldKeys;
  }

  /** Fails with StoreUnavailableError unless Redis answers (used at startup to warn early). */
  async ping(): Promise<void> {
    await this.run((c) => c.send("PING", []));
  }

  async get(key: string): Promise<SessionRecord | undefined> {
    const raw = await this.run((c) => c.get(this.sessionKey(key)));
    return raw === null ? undefined : parseRecord(raw);
  }

  async set(key: string, r: SessionRecord, ttlMs: number): Promise<void> {
    checkTtl(ttlMs);
    const ttl = Math.max(1, Math.ceil(ttlMs));
    const retain = Math.max(ttl, Math.ceil(this.ownerRetentionMs));
    const record: SessionRecord = {
      sessionId: r.sessionId,
      agentEndpointId: r.agentEndpointId,
      owner: r.owner,
      createdAt: r.createdAt,
      lastUsedAt: r.lastUsedAt,
    };
    await this.run((c) =>
      c.send("EVAL", [
        SET_SCRIPT,
        "2",
        this.sessionKey(key),
        this.sidKey(r.sessionId),
        JSON.stringify(record),
        String(ttl),
        r.owner,
        String(retain),
        key,
      ]),
    );
  }

  async delete(key: string): Promise<void> {
    await this.run((c) => c.del(this.sessionKey(key)));
  }

  async deleteBySessionId(sessionId: string): Promise<void> {
    await this.run((c) =>
      c.send("EVAL", [DELETE_BY_SESSION_SCRIPT, "1", this.sidKey(sessionId), `${this.prefix}session:`, sessionId]),
    );
  }

  async ownerOf(sessionId: string): Promise<string | undefined> {
    const owner: unknown = await this.run((c) => c.send("HGET", [this.sidKey(sessionId), "owner"]));
    return typeof owner === "string" ? owner : undefined;
  }

  async lock(key: string, opts: LockOptions): Promise<Release> {
    const { waitMs, leaseMs } = opts;
    if (!Number.isFinite(leaseMs) || leaseMs < 1)
      throw new RangeError(`lock leaseMs must be a number >= 1, got ${leaseMs}`);
    const deadline = Date.now() + waitMs;
    const releaseLocal = await this.local.acquire(key, waitMs);
    try {
      const lockKey = `${this.prefix}lock:${key}`;
      const token = crypto.randomUUID();
      const lease = String(Math.ceil(leaseMs));
      for (let attempt = 0; ; attempt++) {
        let got: unknown;
        try {
          got = await this.run((c) => c.send("SET", [lockKey, token, "NX", "PX", lease]));
        } catch (e) {
          // The SET may still run once Redis answers again: the lock would then be held, by a
          // token no one knows, for its whole lease (the conversation's next turn waiting).
          if (e instanceof StalledCall)
            this.afterStall(() => this.run((c) => c.send("EVAL", [UNLOCK_SCRIPT, "1", lockKey, token])));
          throw e;
        }
        if (got === "OK") return this.holding(lockKey, token, lease, releaseLocal);
        const left = deadline - Date.now();
        if (left <= 0) throw new LockTimeoutError(key, waitMs);
        await Bun.sleep(Math.min(left, backoff(attempt)));
      }
    } catch (e) {
      await releaseLocal();
      throw e;
    }
  }

  async size(): Promise<number> {
    const match = `${this.prefix.replace(/[*?[\]\\]/g, "\\$&")}session:*`;
    return this.run(async (c) => {
      let cursor = "0";
      let n = 0;
      do {
        const reply: unknown = await c.send("SCAN", [cursor, "MATCH", match, "COUNT", "1000"]);
        if (!Array.isArray(reply) || !Array.isArray(reply[1])) throw new Error("unexpected SCAN reply");
        cursor = String(reply[0]);
        n += reply[1].length;
      } while (cursor !== "0");
      return n;
    });
  }

  async putResponse(r: StoredResponse, ttlMs: number): Promise<void> {
    checkTtl(ttlMs, "response TTL");
    const ttl = String(Math.max(1, Math.ceil(ttlMs)));
    const json = JSON.stringify({ id: r.id, owner: r.owner, createdAt: r.createdAt, data: r.data });
    await this.run((c) => c.send("SET", [this.responseKey(r.id), json, "PX", ttl]));
  }

  async getResponse(id: string): Promise<StoredResponse | undefined> {
    const raw = await this.run((c) => c.get(this.responseKey(id)));
    return raw === null ? undefined : parseResponse(raw, id);
  }

  async deleteResponse(id: string): Promise<boolean> {
    return (await this.run((c) => c.del(this.responseKey(id)))) > 0;
  }

  async extendResponses(ids: string[], ttlMs: number): Promise<void> {
    checkTtl(ttlMs, "response TTL");
    if (ids.length === 0) return;
    const ttl = String(Math.max(1, Math.ceil(ttlMs)));
    const keys = ids.map((id) => this.responseKey(id));
    await this.run((c) => c.send("EVAL", [EXTEND_SCRIPT, String(keys.length), ...keys, ttl]));
  }

  async admit(req: AdmitRequest): Promise<Admission> {
    const l = limitsOf(req);
    const args = [
      this.prefix,
      req.key,
      String(l.rpm),
      String(l.tpm),
      String(l.daily),
      String(l.concurrent),
      l.leaseId,
      String(l.leaseMs),
    ];
    let reply: unknown;
    try {
      reply = await this.run((c) => evalScript(c, ADMIT, args));
    } catch (e) {
      // Sent and unanswered in time, the admission may still run when Redis comes back (a stall
      // rather than an outage): its lease would hold a slot for a request answered 503. (Its
      // count of the minute's requests stays: that minute's rpm counts it.)
      if (l.leaseId && e instanceof StalledCall) this.afterStall(() => this.release(req.key, l.leaseId!));
      throw e;
    }
    if (!isVerdict(reply))
      throw new StoreUnavailableError("redis", `unexpected admission reply ${JSON.stringify(reply)}`);
    return toAdmission(req, reply);
  }

  async release(key: string, leaseId: string): Promise<void> {
    await this.run((c) => this.dropLease(c, key, leaseId));
  }

  async renewLease(key: string, leaseId: string, leaseMs: number): Promise<void> {
    await this.run((c) => evalScript(c, RENEW_LEASE, [this.prefix, key, String(Math.ceil(leaseMs)), leaseId]));
  }

  async settle(key: string, alias: string, usage: SettledUsage, releaseLease?: string): Promise<void> {
    const id = JSON.stringify([key, alias]);
    const args = [
      this.prefix,
      key,
      String(tokensOf(usage.inputTokens)),
      String(tokensOf(usage.outputTokens)),
      `r:${id}`,
      `i:${id}`,
      `o:${id}`,
      String(settledRequests(usage)),
    ];
    // The release rides in the same round trip (the client pipelines what is sent together).
    await this.run((c) =>
      releaseLease === undefined
        ? evalScript(c, SETTLE, args)
        : Promise.all([evalScript(c, SETTLE, args), this.dropLease(c, key, releaseLease)]),
    );
  }

  private dropLease(c: RedisClient, key: string, leaseId: string): Promise<unknown> {
    return c.send("ZREM", [`${this.prefix}lease:${key}`, leaseId]);
  }

  async usage(filter: { from: string; to: string; key?: string }): Promise<UsageRow[]> {
    const days = usageDays(filter);
    const hashes = await this.run((c) => Promise.all(days.map((d) => c.hgetall(`${this.prefix}usage:${d}`))));
    const rows: UsageRow[] = [];
    days.forEach((day, i) => {
      rows.push(...ledgerRows(day, hashes[i] ?? {}, filter.key));
    });
    return sortUsage(rows);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const stop of this.held) stop();
    this.held.clear();
    this.drop();
  }

  /** A held lock: its lease renewed every third of itself until released. */
  private holding(lockKey: string, token: string, lease: string, releaseLocal: Release): Release {
    return holdLease({
      leaseMs: Number(lease),
      held: this.held,
      renew: async () => (await this.run((c) => c.send("EVAL", [RENEW_SCRIPT, "1", lockKey, token, lease]))) === 1,
      drop: async () => void (await this.run((c) => c.send("EVAL", [UNLOCK_SCRIPT, "1", lockKey, token]))),
      releaseLocal,
    });
  }

  /**
   * Undoes, a few times over the next minute, what a call that failed may still do once Redis
   * answers again: a command written before a stall is run when Redis resumes, whatever became of
   * the connection. Each undo is harmless when there is nothing to undo.
   */
  private afterStall(undo: () => Promise<unknown>): void {
    for (const ms of STALL_UNDO_MS) setTimeout(() => undo().catch(() => {}), ms).unref();
  }

  /** One store call against a live connection, bounded by opTimeoutMs; any failure is a 503. */
  private async run<T>(fn: (c: RedisClient) => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailableError("redis", "the store is closed");
    const conn = this.connection();
    const work = conn.ready.then(() => fn(conn.client));
    work.catch(() => {}); // it may lose the race below and settle later
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.opTimeoutMs} ms`)), this.opTimeoutMs);
    });
    const wasReady = conn.client.connected;
    try {
      return await Promise.race([work, timeout]);
    } catch (e) {
      // A connection that failed or stopped answering (even mid-handshake) is dropped, so the
      // next call starts afresh instead of queueing behind it.
      if (!isServerReply(e)) this.drop(conn);
      // Written to a live connection and not answered (in time, or before the connection was
      // dropped for another call that was not): Redis may still run it.
      throw wasReady && !isServerReply(e) ? new StalledCall(e) : new StoreUnavailableError("redis", e);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The current connection, connected or still connecting; a dead one is replaced. */
  private connection(): Connection {
    const cur = this.conn;
    if (cur && (cur.client.connected || !cur.settled)) return cur;
    if (cur) this.drop(cur);
    const client = new RedisClient(this.url, {
      autoReconnect: false,
      enableOfflineQueue: false,
      connectionTimeout: this.opTimeoutMs,
    });
    const next: Connection = { client, ready: client.connect(), settled: false };
    const settle = () => {
      next.settled = true;
    };
    next.ready.then(settle, settle);
    this.conn = next;
    return next;
  }

  private drop(conn: Connection | undefined = this.conn): void {
    if (!conn || conn !== this.conn) return; // already replaced by a newer connection
    this.conn = undefined;
    conn.client.close();
  }

  private sessionKey(key: string): string {
    return `${this.prefix}session:${key}`;
  }

  private sidKey(sessionId: string): string {
    return `${this.prefix}sid:${sessionId}`;
  }

  private responseKey(id: string): string {
    return `${this.prefix}resp:${id}`;
  }
}

interface Connection {
  client: RedisClient;
  /** Resolves once connected (Bun's `connect()`); rejects when the connection attempt fails. */
  ready: Promise<unknown>;
  settled: boolean;
}

async function evalScript(c: RedisClient, s: Script, args: string[]): Promise<unknown> {
  try {
    return await c.send("EVALSHA", [s.sha, "0", ...args]);
  } catch (e) {
    if (!isServerReply(e) || !String((e as Error).message).includes("NOSCRIPT")) throw e;
    return c.send("EVAL", [s.text, "0", ...args]);
  }
}

function isVerdict(v: unknown): v is Verdict {
  return Array.isArray(v) && v.length === 7 && v.every((n) => typeof n === "number");
}

/** One day's usage hash as rows; fields in another shape (written by hand, say) are skipped. */
function ledgerRows(day: string, hash: Record<string, unknown>, onlyKey: string | undefined): UsageRow[] {
  /** id → its row, or null for an id skipped (another key, or unreadable). */
  const rows = new Map<string, UsageRow | null>();
  for (const [field, value] of Object.entries(hash)) {
    const kind = field.slice(0, 2);
    if (kind !== "r:" && kind !== "i:" && kind !== "o:") continue;
    const id = field.slice(2);
    let row = rows.get(id);
    if (row === undefined) {
      const ka = keyAndAlias(id);
      row =
        ka && (onlyKey === undefined || ka[0] === onlyKey)
          ? { day, key: ka[0], alias: ka[1], requests: 0, inputTokens: 0, outputTokens: 0 }
          : null;
      rows.set(id, row);
    }
    if (row === null) continue;
    const n = Number(value);
    if (!Number.isSafeInteger(n)) continue;
    if (kind === "r:") row.requests = n;
    else if (kind === "i:") row.inputTokens = n;
    else row.outputTokens = n;
  }
  return [...rows.values()].filter((r) => r !== null);
}

function keyAndAlias(id: string): [string, string] | undefined {
  try {
    const v: unknown = JSON.parse(id);
    return Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && typeof v[1] === "string"
      ? [v[0], v[1]]
      : undefined;
  } catch {
    return undefined;
  }
}

/** 10, 20, 40, then 50 ms, each cut by a random up-to-half so waiters on one key spread out. */
function backoff(attempt: number): number {
  const base = Math.min(50, 10 * 2 ** attempt);
  return base / 2 + Math.random() * (base / 2);
}

/** Redis answered with an error: the connection itself is fine. */
function isServerReply(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === "ERR_REDIS_SERVER_ERROR";
}

/** What Redis holds is checked before it is trusted; an unreadable record counts as absent. */
function jsonObject(raw: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function parseRecord(raw: string): SessionRecord | undefined {
  const r = jsonObject(raw);
  if (!r) return undefined;
  const str = (k: string) => typeof r[k] === "string" && r[k] !== "";
  const num = (k: string) => typeof r[k] === "number" && Number.isFinite(r[k]);
  if (
    !str("sessionId") ||
    !str("agentEndpointId") ||
    typeof r.owner !== "string" ||
    !num("createdAt") ||
    !num("lastUsedAt")
  )
    return undefined;
  return {
    sessionId: r.sessionId as string,
    agentEndpointId: r.agentEndpointId as string,
    owner: r.owner as string,
    createdAt: r.createdAt as number,
    lastUsedAt: r.lastUsedAt as number,
  };
}

/** A stored response as Redis holds it, checked like a record; another shape, or another id, is absent. */
export function parseResponse(raw: string, id: string): StoredResponse | undefined {
  const r = jsonObject(raw);
  if (!r) return undefined;
  const data = r.data;
  if (
    r.id !== id ||
    typeof r.owner !== "string" ||
    typeof r.createdAt !== "number" ||
    !Number.isFinite(r.createdAt) ||
    typeof data !== "object" ||
    data === null ||
    Array.isArray(data)
  )
    return undefined;
  return { id, owner: r.owner, createdAt: r.createdAt, data: data as Record<string, unknown> };
}
