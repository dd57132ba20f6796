/**
 * Waiting in tests: for a condition (never a fixed sleep that stands in for one), and the one
 * short window used to prove that something does NOT happen.
 */

/** Polls `cond` every 10 ms until it holds; throws naming `what` when `timeoutMs` passes first. */
export async function waitUntil(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 2000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await Bun.sleep(10);
  }
}

/**
 * How long a test watches for something that must not happen once the gateway has answered (a
 * stray extra OCI attempt, a second log line). Everything the gateway does for a request happens
 * before its answer or, for streams, when the stream closes; a stray extra would be fired right
 * after, within a few event-loop turns. 150 ms is many of those even with the suite's workers
 * sharing the CPUs: shorter stops proving anything under load, longer proves nothing more.
 */
export const ABSENCE_WINDOW_MS = 150;

/** Lets `ABSENCE_WINDOW_MS` pass: a late extra (attempt, line, event) would show up meanwhile. */
export function absenceWindow(): Promise<void> {
  return Bun.sleep(ABSENCE_WINDOW_MS);
}
