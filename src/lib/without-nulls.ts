/** An object with its `null` members gone: what a request means when it sends `null` for "not set". */
export type WithoutNulls<T> = { [K in keyof T]: Exclude<T[K], null> };

/**
 * Drops the top-level members whose value is `null`, in place (a parsed request body is the
 * route's own), and answers the same object typed without them.
 */
export function withoutNulls<T extends object>(o: T): WithoutNulls<T> {
  for (const k in o) if (o[k] === null) delete o[k];
  return o as WithoutNulls<T>;
}
