import type { Database, Statement } from "bun:sqlite";
import { holdLease } from "./held-lease";
import { KeyLock } from "./key-lock";
import { isBusy, whenNotBusy } from "./sqlite-busy";
import { type LockOptions, LockTimeoutError, type Release, StoreUnavailableError } from "./types";

/** Created on open when missing, so files made before it keep working. */
export const SESSION_LOCKS_SCHEMA = `CREATE TABLE IF NOT EXISTS session_locks (
  key TEXT PRIMARY KEY NOT NULL,
  holder TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;`;

/**
 * The session lock of the SQLite store, held across every process sharing the file
 * (docs/operations.md#session-stores-in-production): a row per held key, naming its holder and
 * when its lease ends. Within one process, waiters first queue in a KeyLock (first come first
 * served, no polling); the head of that queue then polls the row until it is free or expired.
 * While held, the lease is renewed every third of itself, so a long turn keeps it and a crashed
 * holder's row frees itself after one lease.
 */
export class SqliteKeyLock {
  private readonly local = new KeyLock();
  private readonly held = new Set<() => void>();
  private readonly q: {
    take: Statement<unknown, [string, string, number, number]>;
    drop: Statement<unknown, [string, string]>;
    prune: Statement<unknown, [number]>;
  };

  constructor(db: Database) {
    this.q = {
      // One statement is its own write transaction, and SQLite takes the write lock before it
      // reads (as BEGIN IMMEDIATE does), so two processes can never both see the row free. The
      // same statement renews: a holder keeps its row, or takes it back if its lease lapsed
      // while nobody else took it.
      take: db.prepare(
        `INSERT INTO session_locks (key, holder, expires_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE session_locks.holder = excluded.holder OR session_locks.expires_at <= ?4`,
      ),
      drop: db.prepare("DELETE FROM session_locks WHERE key = ? AND holder = ?"),
      prune: db.prepare("DELETE FROM session_locks WHERE expires_at <= ?"),
    };
  }

  /** Keys this process holds or waits for (0 once every holder released). */
  get heldKeys(): number {
    return this.local.heldKeys;
  }

  /**
   * Waits up to `waitMs` in all (in-process queue and polling together); rejects with
   * LockTimeoutError after that, or StoreUnavailableError when the file fails.
   */
  async acquire(key: string, opts: LockOptions): Promise<Release> {
    const { waitMs, leaseMs } = opts;
    if (!Number.isFinite(leaseMs) || leaseMs < 1)
      throw new RangeError(`lock leaseMs must be a number >= 1, got ${leaseMs}`);
    const deadline = performance.now() + waitMs;
    const releaseLocal = await this.local.acquire(key, waitMs);
    try {
      const holder = crypto.randomUUID();
      const lease = Math.ceil(leaseMs);
      for (let attempt = 0; ; attempt++) {
        if (this.take(key, holder, lease)) return this.holding(key, holder, lease, releaseLocal);
        const left = deadline - performance.now();
        if (left <= 0) throw new LockTimeoutError(key, waitMs);
        await Bun.sleep(Math.min(left, backoff(attempt)));
      }
    } catch (e) {
      await releaseLocal();
      throw e instanceof LockTimeoutError ? e : new StoreUnavailableError("sqlite", e);
    }
  }

  /** Rows whose lease has passed (left by crashed holders): free already, only taking space. */
  prune(now: number): void {
    this.q.prune.run(now);
  }

  /** Stops renewing; rows still held expire with their lease, as a crashed holder's would. */
  close(): void {
    for (const stop of this.held) stop();
    this.held.clear();
    for (const s of Object.values(this.q)) s.finalize();
  }

  /**
   * True when the row is ours now; false too while another process is writing the file (the
   * connection never waits inside SQLite: the poll comes back). Clock: Date.now(), the one every
   * process on the machine shares.
   */
  private take(key: string, holder: string, lease: number): boolean {
    try {
      return this.claim(key, holder, lease);
    } catch (e) {
      if (isBusy(e)) return false;
      throw e;
    }
  }

  private claim(key: string, holder: string, lease: number): boolean {
    const now = Date.now();
    return this.q.take.run(key, holder, now + lease, now).changes === 1;
  }

  private holding(key: string, holder: string, lease: number, releaseLocal: Release): Release {
    return holdLease({
      leaseMs: lease,
      held: this.held,
      // A renewal that meets a busy file waits for it, off the event loop, as long as SQLite's busy
      // timeout did; past that, it is tried again at the next one (a throw, not "lost").
      renew: () => whenNotBusy(() => this.claim(key, holder, lease)),
      drop: () => whenNotBusy(() => void this.q.drop.run(key, holder)),
      releaseLocal,
    });
  }
}

/** 5 ms doubling to 50 ms, each drawn from its upper half so pollers of one key spread out. */
function backoff(attempt: number): number {
  const base = Math.min(50, 5 * 2 ** attempt);
  return base / 2 + Math.random() * (base / 2);
}
