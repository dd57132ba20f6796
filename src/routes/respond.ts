import type { Server } from "bun";
import { toApiError } from "../errors/map-upstream-error";
import { directEnvelope, openAiEnvelope } from "../errors/envelopes";
import { ApiError } from "../errors/api-error";
import { sseResponse } from "../http/sse";
import { requestInfo } from "../http/request-info";
import type { Usage } from "../openai/types";

/**
 * LLM calls may legitimately take minutes; Bun's default 10 s idle timeout would cut them. The
 * per-request deadline (upstream timeout, stream idle limit) bounds them instead.
 */
export function lift(server: Server<unknown> | null, request: Request): void {
  server?.timeout(request, 0);
}

type Outcome<J, C> =
  | { kind: "json"; body: J; ociRequestId?: string }
  | { kind: "stream"; chunks: AsyncIterable<C>; ociRequestId?: string; cancel(): void; usage(): Usage | undefined };

/** Turns a service outcome into the HTTP answer, streaming or not, with the OCI request id. */
export function respond<J extends { usage?: Usage }, C>(
  outcome: Outcome<J, C>,
  request: Request,
  set: { headers: Record<string, unknown> },
  opts: { keepAliveMs: number; family: "openai" | "direct"; done?: boolean },
): J | Response {
  const info = requestInfo(request);
  if (outcome.ociRequestId) {
    info.ociRequestId = outcome.ociRequestId;
    set.headers["x-oci-request-id"] = outcome.ociRequestId;
  }
  if (outcome.kind === "json") {
    const u = outcome.body.usage;
    if (u) info.tokens = { prompt: u.prompt_tokens, completion: u.completion_tokens };
    return outcome.body;
  }
  async function* withDone(): AsyncGenerator<unknown> {
    yield* outcome.kind === "stream" ? outcome.chunks : [];
    if (opts.done !== false) yield "[DONE]";
  }
  const headers: Record<string, string> = { "x-request-id": info.id };
  if (outcome.ociRequestId) headers["x-oci-request-id"] = outcome.ociRequestId;
  return sseResponse(withDone(), {
    keepAliveMs: opts.keepAliveMs,
    headers,
    onCancel: () => outcome.cancel(),
    onClose: () => {
      const u = outcome.usage();
      if (u) info.tokens = { prompt: u.prompt_tokens, completion: u.completion_tokens };
    },
    errorEvent: (e) => {
      const api =
        toApiError(e) ?? new ApiError(500, "Internal error in the gateway while streaming", { type: "server_error", code: "internal_error" });
      return opts.family === "openai" ? openAiEnvelope(api) : directEnvelope(api);
    },
  });
}
