/**
 * What went wrong talking to OCI, as the transport saw it. It carries OCI's own words and request
 * id; mapUpstreamError decides what the client is told.
 */
export type UpstreamFailure =
  | "http" // OCI answered with an error status
  | "network" // no answer at all (connection refused, reset, DNS)
  | "timeout" // our deadline passed
  | "idle" // a stream went silent past the idle limit
  | "bad_response"; // an answer we cannot read (not JSON, unknown shape, broken stream)

export class UpstreamError extends Error {
  constructor(
    readonly failure: UpstreamFailure,
    message: string,
    readonly init: {
      status?: number;
      code?: string;
      opcRequestId?: string;
      retryAfter?: string;
      service?: string;
    } = {},
  ) {
    super(message);
    this.name = "UpstreamError";
  }
}

/**
 * Maps an answer OCI gave, so that a shape error found there (a 502 for the client) still names
 * OCI's request id: the id is what an Oracle support case needs, and the call did reach OCI.
 */
export function withRequestId<T>(opcRequestId: string | undefined, map: () => T): T {
  try {
    return map();
  } catch (e) {
    if (e instanceof UpstreamError && opcRequestId && !e.init.opcRequestId) {
      throw new UpstreamError(e.failure, e.message, { ...e.init, opcRequestId });
    }
    throw e;
  }
}
