import { type ChatStream, OverStream } from "../chat/outcome";
import type { TokenUsage } from "../chat/types";
import { ApiError } from "../errors/api-error";
import { toApiError } from "../errors/to-api-error";
import type { Metrics } from "../observability/metrics";
import type { RequestState } from "./request-state";
import { type SseChunk, type SseFrame, type SseOpening, type SseOptions, sseResponse } from "./sse";
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
  /** The estimate charged when the stream ends without OCI's usage (ChatStream.spent). */
  spent(): TokenUsage;
  firstTokenAt(): number | undefined;
  /** The family's event for a failure after the first byte, built from the error choke point. */
  errorFrame(e: ApiError): SseFrame;
  /** The family's keep-alive on silence (default: a `: keep-alive` comment). */
  keepAlive?: SseFrame;
  /** The family's opening frames (sse.ts `SseHead.opening`): they leave with the first frame of the answer. */
  opening?: SseOpening;
}

/** A family's frames for a core stream, keeping the stream's cancel and accounting. */
export function streamReply(
  out: ChatStream,
  frames: AsyncIterable<SseChunk>,
  errorFrame: (e: ApiError) => SseFrame,
  extra: { keepAlive?: SseFrame; opening?: SseOpening } = {},
): StreamReply {
  return new CoreReply(out, frames, errorFrame, extra.keepAlive, extra.opening);
}

/** A StreamReply over a core stream: methods, not closures, since one lives per open stream. */
class CoreReply extends OverStream implements StreamReply {
  constructor(
    core: ChatStream,
    readonly frames: AsyncIterable<SseChunk>,
    private readonly frameOf: (e: ApiError) => SseFrame,
    readonly keepAlive: SseFrame | undefined,
    public opening: SseOpening | undefined,
  ) {
    super(core);
  }

  errorFrame(e: ApiError): SseFrame {
    return this.frameOf(e);
  }
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
    // Elysia copies a returned Response into a new one, headers and all, whenever `set` still
    // holds headers — on a stream's first byte, the largest single step left (BENCHMARKS.md,
    // "where the time goes"). The headers go into the Response here, and `set` is left empty so
    // Elysia hands it to Bun as it is.
    const headers: Record<string, string> = {};
    for (const name in set.headers) headers[name] = String(set.headers[name]);
    set.headers = {};
    Object.assign(headers, call.answerHeaders);
    headers["x-request-id"] = call.id;
    // The opening goes out with the first write and is not kept for the stream's life: a
    // Responses opening carries the response object twice (a coding agent's instructions and
    // tools, tens of KB).
    const opening = r.opening;
    r.opening = undefined;
    call.streamOpened();
    this.o.metrics.activeStreams.inc();
    return sseResponse(r.frames, new StreamAccount(this.o, call, r), { headers, opening });
  }
}

/**
 * What an SSE answer reports back while it lasts, as one object per stream (sse.ts keeps it as
 * its options): the upstream to cancel, how the stream ended, its usage and first token, and the
 * family's error events.
 */
class StreamAccount implements SseOptions {
  readonly keepAliveMs: number;
  readonly keepAlive: SseFrame | undefined;
  readonly registry: StreamRegistry;
  private readonly metrics: Metrics;

  constructor(
    o: { keepAliveMs: number; streams: StreamRegistry; metrics: Metrics },
    private readonly call: RequestState,
    private readonly r: StreamReply,
  ) {
    this.keepAliveMs = o.keepAliveMs;
    this.keepAlive = r.keepAlive;
    this.registry = o.streams;
    this.metrics = o.metrics;
  }

  onCancel(): void {
    this.r.cancel();
  }

  onClose(outcome: "done" | "error" | "cancelled"): void {
    const { call, r } = this;
    this.metrics.activeStreams.dec();
    // The 200 went out with the first byte; the log and metrics tell how the stream really
    // ended: 499 when the client left, the error event's status when it failed.
    if (outcome === "cancelled") call.status = 499;
    // A stream cut short without OCI's usage — the client left (its disconnect aborts the call
    // first, so that ends as an error here too), OCI broke off, a drain cut it — still cost the
    // prompt and what was generated: charged by estimate, so quotas cannot be dodged by hanging up.
    // One that finished is charged what OCI reported, nothing when it reported nothing.
    call.usage = r.usage() ?? (outcome === "done" ? undefined : r.spent());
    const first = r.firstTokenAt();
    if (first !== undefined) call.firstTokenMs = first - call.startedAt;
    call.streamClosed();
  }

  errorEvent(e: unknown): SseFrame {
    this.metrics.ociErrorOf(e);
    const failure = toApiError(e);
    this.call.status = failure.status;
    return this.r.errorFrame(failure);
  }

  terminatedEvent(reason: string): SseFrame {
    this.call.status = 503;
    return this.r.errorFrame(new ApiError(503, reason, { type: "service_unavailable", code: "shutting_down" }));
  }
}
