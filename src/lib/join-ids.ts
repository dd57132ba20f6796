/**
 * OCI's request ids of the calls behind one answer (a batch split into several calls, one call
 * per prompt), as one `x-oci-request-id` value: `a, b`; undefined when none is known.
 */
export function joinIds(ids: ReadonlyArray<string | undefined>): string | undefined {
  const known = ids.filter((id): id is string => id !== undefined);
  return known.length > 0 ? known.join(", ") : undefined;
}
