import type { Release } from "./types";

/** What a store does to keep and to give up one held cross-process lock. */
export interface LeaseOps {
  leaseMs: number;
  /** The holder's set of renewals to stop on close; this lock's stop is in it while held. */
  held: Set<() => void>;
  /** Extends the lease: false when it is no longer ours (lapsed and taken, or deleted); a throw means try again. */
  renew(): boolean | Promise<boolean>;
  /** Gives the lock up in the store. */
  drop(): void | Promise<void>;
  /** The process-local lock taken before the store's. */
  releaseLocal: Release;
}

/**
 * A held lock of a shared store (SQLite file, Redis): its lease renewed every third of itself, so
 * a long turn keeps it while a crashed holder's lapses; released once, store first, then the
 * process-local lock (docs/operations.md#session-stores-in-production).
 */
export function holdLease(o: LeaseOps): Release {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const stop = () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    o.held.delete(stop);
  };
  const every = Math.max(1, Math.floor(o.leaseMs / 3));
  const renew = async () => {
    try {
      if (!(await o.renew())) return stop(); // the lease is lost: nothing to keep alive
    } catch {
      // The store is busy or unreachable: try again next time; the lease may lapse meanwhile.
    }
    if (!stopped) schedule();
  };
  const schedule = () => {
    timer = setTimeout(renew, every);
    timer.unref?.();
  };
  o.held.add(stop);
  schedule();
  let released: Promise<void> | undefined;
  return () =>
    (released ??= (async () => {
      stop();
      try {
        await o.drop();
      } catch {
        // Never fail the caller's `finally`: a lock left behind expires with its lease.
      } finally {
        await o.releaseLocal();
      }
    })());
}
