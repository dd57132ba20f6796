import type { Server } from "bun";
import type { Outcome } from "../chat/outcome";
import { ApiError } from "../errors/api-error";
import { directEnvelope, openAiEnvelope } from "../errors/envelopes";
import { toApiError } from "../errors/map-upstream-error";
import { UpstreamError } from "../errors/upstream-error";
import type { Usage } from "../families/openai/types";
import type { Metrics } from "../observability/metrics";
import { requestInfo } from "./request-info";
import { sseResponse } from "./sse";
import type { StreamRegistry } from "./stream-registry";

/**
 * LLM calls may legitimately take minutes; Bun's default 10 s idle timeout would cut them. The
 * per-request deadline (upstream timeout, stream idle limit) bounds them instead.
 */
export function lift(server: Server<unknown> | null, request: Request): void {
  server?.timeout(request, 0);
}

/** What streaming answers need from the app: keep-alive cadence, the open-stream registry, metrics. */
export interface StreamContext {
  keepAliveMs: number;
  streams: StreamRegistry;
  metrics: Metrics;
}

/** Text in a chunk of either family: an OpenAI delta (content or tool call) or the seed's `{delta}`. */
function carriesText(chunk: unknown): boolean {
  const c = chunk as {
    delta?: unknown;
    choices?: Array<{ delta?: { content?: string; tool_calls?: unknown[] }; text?: string }>;
  };
  if (typeof c.delta === "string") return c.delta !== "";
  const first = c.choices?.[0];
  return Boolean(first?.delta?.content || first?.delta?.tool_calls?.length || first?.text);
}

/** Turns a service outcome into the HTTP answer, streaming or not, with the OCI request id. */
export function respond<J extends { usage?: Usage }, C>(
  outcome: Outcome<J, C>,
  request: Request,
  set: { headers: Record<string, unknown> },
  opts: StreamContext & { family: "openai" | "direct"; done?: boolean },
): J | Response {
  const info = requestInfo(request);
  if (outcome.ociRequestId) {
    info.ociRequestId = outcome.ociRequestId;
    set.headers["x-oci-request-id"] = outcome.ociRequestId;
  }
  if (outcome.kind === "json") {
    const u = outcome.body.usage;
    if (u) info.tokens = { prompt: u.prompt_tokens, completion: u.completion_tokens };
    info.status = 200;
    return outcome.body;
  }
  const stream = outcome;
  async function* withDone(): AsyncGenerator<unknown> {
    for await (const chunk of stream.chunks) {
      if (info.firstTokenMs === undefined && carriesText(chunk)) info.firstTokenMs = performance.now() - info.startedAt;
      yield chunk;
    }
    if (opts.done !== false) yield "[DONE]";
  }
  const envelope = (e: ApiError) => (opts.family === "openai" ? openAiEnvelope(e) : directEnvelope(e));
  const headers: Record<string, string> = { "x-request-id": info.id };
  if (outcome.ociRequestId) headers["x-oci-request-id"] = outcome.ociRequestId;
  info.status = 200;
  info.stream = { closed: false, onClosed: [] };
  opts.metrics.activeStreams.inc();
  return sseResponse(withDone(), {
    keepAliveMs: opts.keepAliveMs,
    headers,
    registry: opts.streams,
    onCancel: () => stream.cancel(),
    onClose: () => {
      opts.metrics.activeStreams.dec();
      const u = stream.usage();
      if (u) info.tokens = { prompt: u.prompt_tokens, completion: u.completion_tokens };
      info.stream!.closed = true;
      for (const fn of info.stream!.onClosed) fn();
    },
    errorEvent: (e) => {
      if (e instanceof UpstreamError && e.failure === "http") opts.metrics.ociError(e.init.status, e.init.code);
      return envelope(
        toApiError(e) ??
          new ApiError(500, "Internal error in the gateway while streaming", {
            type: "server_error",
            code: "internal_error",
          }),
      );
    },
    terminatedEvent: (reason) =>
      envelope(new ApiError(503, reason, { type: "service_unavailable", code: "shutting_down" })),
  });
}
