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
