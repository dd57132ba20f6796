import type { ChatStream } from "../chat/outcome";
import type { TokenUsage } from "../chat/types";
import { ApiError } from "../errors/api-error";
import { toApiError } from "../errors/to-api-error";
import type { Metrics } from "../observability/metrics";
import type { RequestState } from "./request-state";
import { type SseChunk, type SseFrame, type SseOpening, sseResponse } from "./sse";
import type { StreamRegistry } from "./stream-registry";

/** A family's answer to one request, before it becomes HTTP. */
export type Reply<Body> = { kind: "json"; body: Body; ociRequestId?: string; usage?: TokenUsage } | StreamReply;

export interface StreamReply {
  kind: "stream";
  frames: AsyncIterable<SseChunk>;
  ociRequestId?: string;
  /** Aborts the upstream work (the client went away). */
  cancel(): void;
  usage(): TokenUsage | undefined;
  firstTokenAt(): number | undefined;
  /** The family's event for a failure after the first byte, built from the error choke point. */
  errorFrame(e: ApiError): SseFrame;
  /** The family's keep-alive on silence (default: a `: keep-alive` comment). */
  keepAlive?: SseFrame;
  /** The family's opening frames (sse.ts `opening`): they leave with the first frame of the answer. */
  opening?: SseOpening;
}

/** A family's frames for a core stream, keeping the stream's cancel and accounting. */
export function streamReply(
  out: ChatStream,
  frames: AsyncIterable<SseChunk>,
  errorFrame: (e: ApiError) => SseFrame,
  extra: { keepAlive?: SseFrame; opening?: SseOpening } = {},
): StreamReply {
  return {
    kind: "stream",
    frames,
    ociRequestId: out.ociRequestId,
    cancel: out.cancel,
    usage: out.usage,
    firstTokenAt: out.firstTokenAt,
    errorFrame,
    keepAlive: extra.keepAlive,
    opening: extra.opening,
  };
}

/**
 * Turns a family's reply into the HTTP answer, JSON or SSE, and records what the request cost
 * (status, usage, OCI's request id, time to the first token) on its state. Streams are
 * registered so shutdown can end them with a final event.
 */
export class Responder {
  constructor(private readonly o: { keepAliveMs: number; streams: StreamRegistry; metrics: Metrics }) {}

  reply<Body>(call: RequestState, set: { headers: Record<string, unknown> }, r: Reply<Body>): Body | Response {
    if (r.ociRequestId) {
      call.ociRequestId = r.ociRequestId;
      set.headers["x-oci-request-id"] = r.ociRequestId;
    }
    call.status = 200;
    if (call.servedBy) call.answerHeaders["x-ocigenai-served-by"] = call.servedBy;
    if (r.kind === "json") {
      call.usage = r.usage;
      Object.assign(set.headers, call.answerHeaders);
      return r.body;
    }
    const { metrics } = this.o;
    // Elysia copies a returned Response into a new one, headers and all, whenever `set` still
    // holds headers — on a stream's first byte, the largest single step left (BENCHMARKS.md,
    // "where the time goes"). The headers go into the Response here, and `set` is left empty so
    // Elysia hands it to Bun as it is.
    const headers: Record<string, string> = {};
    for (const name in set.headers) headers[name] = String(set.headers[name]);
    set.headers = {};
    Object.assign(headers, call.answerHeaders);
    headers["x-request-id"] = call.id;
    call.streamOpened();
    metrics.activeStreams.inc();
    return sseResponse(r.frames, {
      keepAliveMs: this.o.keepAliveMs,
      keepAlive: r.keepAlive,
      opening: r.opening,
      headers,
      registry: this.o.streams,
      onCancel: () => r.cancel(),
      onClose: (outcome) => {
        metrics.activeStreams.dec();
        // The 200 went out with the first byte; the log and metrics tell how the stream really
        // ended: 499 when the client left, the error event's status when it failed.
        if (outcome === "cancelled") call.status = 499;
        call.usage = r.usage();
        const first = r.firstTokenAt();
        if (first !== undefined) call.firstTokenMs = first - call.startedAt;
        call.streamClosed();
      },
      errorEvent: (e) => {
        metrics.ociErrorOf(e);
        const failure = toApiError(e);
        call.status = failure.status;
        return r.errorFrame(failure);
      },
      terminatedEvent: (reason) => {
        call.status = 503;
        return r.errorFrame(new ApiError(503, reason, { type: "service_unavailable", code: "shutting_down" }));
      },
    });
  }
}
