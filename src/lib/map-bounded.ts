/**
 * Runs `fn` over `items` with at most `limit` calls in flight, keeping results in input order.
 * The first failure aborts the calls still running (through the signal each call receives) and
 * becomes the result; a parent abort (the client left) stops it the same way.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  parent: AbortSignal,
  fn: (item: T, index: number, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  const stop = new AbortController();
  const signal = AbortSignal.any([parent, stop.signal]);
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal.aborted) {
      const i = next++;
      results[i] = await fn(items[i]!, i, signal);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  } catch (e) {
    stop.abort(e);
    throw e;
  }
  if (parent.aborted) throw parent.reason ?? new DOMException("client went away", "AbortError");
  return results;
}
