import { StoreUnavailableError } from "./types";

/** How long a write waits for another process's write to end, as SQLite's busy timeout did. */
export const BUSY_WAIT_MS = 2000;

/** SQLITE_BUSY or SQLITE_LOCKED, with any extended code: another connection holds the lock. */
export function isBusy(e: unknown): boolean {
  const errno = (e as { errno?: unknown }).errno;
  return typeof errno === "number" && ((errno & 0xff) === 5 || (errno & 0xff) === 6);
}

/**
 * One statement or one IMMEDIATE transaction on a connection that never waits inside SQLite
 * (busy_timeout 0): SQLite refuses it at its start (nothing done) while another process writes,
 * and it is tried again after 0.1, 0.2, 0.4… ms (at most 5 ms apart, jittered so that processes
 * do not retry in step) for up to BUSY_WAIT_MS, as the busy timeout would have — but awaiting
 * instead of sleeping, so the event loop goes on meanwhile (SQLite's busy handler sleeps on the
 * calling thread: a file locked for seconds froze every request of the process). Then, or on any
 * other failure, a 503.
 */
export async function whenNotBusy<T>(fn: () => T): Promise<T> {
  const deadline = performance.now() + BUSY_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (e) {
      if (!isBusy(e) || performance.now() >= deadline) throw new StoreUnavailableError("sqlite", e);
    }
    await Bun.sleep(Math.min(5, 0.1 * 2 ** attempt) * (0.5 + Math.random()));
  }
}
