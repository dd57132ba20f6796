import { type ChatCall, type ChatOutcome, newCompletionMeta } from "../../chat/model-chat";
import type { Outcome } from "../../chat/outcome";
import type { ModelAlias } from "../../config/types";
import { badRequest } from "../../errors/api-error";
import { mapBounded } from "../../lib/map-bounded";
import { chatChunkToText, chatToTextCompletion, completionToChatRequest } from "./map-chat-to-text-completion";
import type { CompletionRequest } from "./schemas";
import type { TextCompletion, Usage } from "./types";

/** Prompts of one request sent to OCI at once; the rest wait, so one request cannot flood OCI. */
const PROMPT_CONCURRENCY = 4;

export type TextOutcome = Outcome<TextCompletion, TextCompletion>;

/**
 * `/v1/completions` on top of chat (OCI retired generateText). Several prompts run as several
 * chat calls, one choice each, like OpenAI; streaming takes one prompt.
 */
export async function createTextCompletion(
  complete: (call: ChatCall) => Promise<ChatOutcome>,
  call: { alias: ModelAlias; request: CompletionRequest; requestId: string; signal: AbortSignal },
): Promise<TextOutcome> {
  const prompts = typeof call.request.prompt === "string" ? [call.request.prompt] : call.request.prompt;
  const echo = call.request.echo === true;
  const meta = newCompletionMeta(call.alias.alias, "cmpl");
  if (call.request.stream) {
    if (prompts.length > 1) throw badRequest("Streaming takes a single prompt; send one request per prompt", "prompt");
    if (echo) throw badRequest("'echo' cannot be combined with 'stream'", "echo");
    const out = await complete({ ...call, request: completionToChatRequest(call.request, prompts[0]!) });
    if (out.kind !== "stream") throw new Error("expected a stream");
    async function* chunks(): AsyncGenerator<TextCompletion> {
      for await (const c of out.kind === "stream" ? out.chunks : []) {
        const t = chatChunkToText(c, meta.id);
        if (t) yield t;
      }
    }
    return { kind: "stream", chunks: chunks(), ociRequestId: out.ociRequestId, cancel: out.cancel, usage: out.usage };
  }
  const results = await mapBounded(prompts, PROMPT_CONCURRENCY, call.signal, (p, _i, signal) =>
    complete({ ...call, signal, request: completionToChatRequest({ ...call.request, stream: false }, p) }),
  );
  const usage: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  const choices = results.map((r, i) => {
    if (r.kind !== "json") throw new Error("expected a JSON answer");
    usage.prompt_tokens += r.body.usage?.prompt_tokens ?? 0;
    usage.completion_tokens += r.body.usage?.completion_tokens ?? 0;
    usage.total_tokens += r.body.usage?.total_tokens ?? 0;
    return chatToTextCompletion(r.body, i, prompts[i]!, echo);
  });
  const first = results[0]!;
  return {
    kind: "json",
    body: { id: meta.id, object: "text_completion", created: meta.created, model: meta.model, choices, usage },
    ociRequestId: first.ociRequestId,
  };
}
