import type { ChatOutcome } from "../../chat/outcome";
import type { AnswerChoice, ChatEvent, ChatRequest, TokenUsage } from "../../chat/types";
import { badRequest } from "../../errors/api-error";
import { type Reply, streamReply } from "../../http/respond";
import type { SseFrame } from "../../http/sse";
import { mapFlow } from "../../lib/flow";
import { joinIds } from "../../lib/join-ids";
import { mapBounded } from "../../lib/map-bounded";
import type { WithoutNulls } from "../../lib/without-nulls";
import { type CompletionMeta, newCompletionMeta, openAiErrorFrame } from "./chat-completion";
import type { CompletionRequest } from "./schemas";
import type { TextCompletion } from "./types";
import { openAiUsage } from "./usage";

/** Prompts of one request sent to OCI at once; the rest wait, so one request cannot flood OCI. */
export const PROMPT_CONCURRENCY = 4;

/** How many prompts a completions body holds, refused past `max` (each one is an OCI call). */
export function countPrompts(req: CompletionRequest, max: number): number {
  const n = typeof req.prompt === "string" ? 1 : req.prompt.length;
  if (n > max) {
    throw badRequest(
      `'prompt' holds ${n} prompts; at most ${max} are allowed per request (MAX_COMPLETION_PROMPTS)`,
      "prompt",
      "too_many_prompts",
    );
  }
  return n;
}

/** Legacy completions run as one chat turn: the prompt is the user message. */
export function completionToChatRequest(req: WithoutNulls<CompletionRequest>, prompt: string): ChatRequest {
  const { prompt: _p, suffix: _s, echo: _e, model: _m, ...sampling } = req;
  return { ...sampling, messages: [{ role: "user", content: prompt }] };
}

function textChoice(c: AnswerChoice, index: number, prompt: string, echo: boolean): TextCompletion["choices"][number] {
  return { text: (echo ? prompt : "") + (c.text ?? ""), index, logprobs: null, finish_reason: c.finishReason };
}

/**
 * `/v1/completions` on top of chat (OCI retired generateText). Several prompts run as several
 * chat calls, one choice each, like OpenAI; streaming takes one prompt.
 */
export async function createTextCompletion(
  chat: (request: ChatRequest, signal: AbortSignal) => Promise<ChatOutcome>,
  alias: string,
  req: WithoutNulls<CompletionRequest>,
  signal: AbortSignal,
  parallel = PROMPT_CONCURRENCY,
): Promise<Reply<TextCompletion>> {
  const prompts = typeof req.prompt === "string" ? [req.prompt] : req.prompt;
  const echo = req.echo === true;
  const meta = newCompletionMeta(alias, "cmpl");
  if (req.stream) {
    if (prompts.length > 1) throw badRequest("Streaming takes a single prompt; send one request per prompt", "prompt");
    if (echo) throw badRequest("'echo' cannot be combined with 'stream'", "echo");
    const out = await chat(completionToChatRequest(req, prompts[0]!), signal);
    if (out.kind !== "stream") throw new Error("expected a stream");
    return streamReply(out, textFrames(out.events, meta, req.stream_options?.include_usage === true), openAiErrorFrame);
  }
  const results = await mapBounded(prompts, parallel, signal, (p, _i, s) =>
    chat(completionToChatRequest({ ...req, stream: false }, p), s),
  );
  const usage: TokenUsage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  // Each prompt's `n` answers, numbered as OpenAI does: prompt i's k-th is choice i × n + k.
  const n = req.n ?? 1;
  const choices = results.flatMap((r, i) => {
    if (r.kind !== "answer") throw new Error("expected a whole answer");
    usage.inputTokens += r.answer.usage?.inputTokens ?? 0;
    usage.outputTokens += r.answer.usage?.outputTokens ?? 0;
    usage.totalTokens += r.answer.usage?.totalTokens ?? 0;
    return r.answer.choices.map((c, k) => textChoice(c, i * n + k, prompts[i]!, echo));
  });
  return {
    kind: "json",
    body: {
      id: meta.id,
      object: "text_completion",
      created: meta.created,
      model: meta.model,
      choices,
      usage: openAiUsage(usage),
    },
    // One OCI call per prompt: every id is named, as for embeddings.
    ociRequestId: joinIds(results.map((r) => r.ociRequestId)),
    usage,
  };
}

/** Text and finish events as `text_completion` chunks, then the usage chunk when asked, then `[DONE]`. */
function textFrames(
  events: AsyncIterable<ChatEvent>,
  meta: CompletionMeta,
  includeUsage: boolean,
): AsyncIterable<SseFrame> {
  const chunk = (choices: TextCompletion["choices"]): TextCompletion => ({
    id: meta.id,
    object: "text_completion",
    created: meta.created,
    model: meta.model,
    choices,
  });
  let usage: TokenUsage | undefined;
  return mapFlow<ChatEvent, SseFrame>(events, {
    push(ev, out) {
      if (ev.type === "text")
        out.next({ data: chunk([{ text: ev.text, index: ev.choice, logprobs: null, finish_reason: null }]) });
      else if (ev.type === "finish")
        out.next({ data: chunk([{ text: "", index: ev.choice, logprobs: null, finish_reason: ev.reason }]) });
      else if (ev.type === "usage") usage = ev.usage;
    },
    end(out) {
      if (includeUsage) out.next({ data: { ...chunk([]), usage: openAiUsage(usage) } });
      out.next({ data: "[DONE]" });
    },
  });
}
