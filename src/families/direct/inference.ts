import { type Static, t } from "elysia";
import { Int } from "../../http/int-schema";
import type { ChatCompletionRequest } from "../openai/schemas";
import type { ChatCompletion, ChatCompletionChunk, FinishReason, Usage } from "../openai/types";

/** The seed's direct inference body: one prompt, a few sampling knobs. */
export const InferenceRequest = t.Object({
  prompt: t.String({ minLength: 1 }),
  temperature: t.Optional(t.Number({ minimum: 0, maximum: 2 })),
  max_tokens: t.Optional(Int({ minimum: 1 })),
  top_p: t.Optional(t.Number({ minimum: 0, maximum: 1 })),
  top_k: t.Optional(Int({ minimum: -1 })),
  stream: t.Optional(t.Boolean()),
});
export type InferenceRequest = Static<typeof InferenceRequest>;

export interface InferenceResponse {
  response: { text: string; finish_reason: string };
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** The prompt as one user turn; usage is always asked for since the final answer reports it. */
export function inferenceToChatRequest(req: InferenceRequest): ChatCompletionRequest {
  return {
    messages: [{ role: "user", content: req.prompt }],
    temperature: req.temperature,
    max_tokens: req.max_tokens,
    top_p: req.top_p,
    top_k: req.top_k,
    stream: req.stream === true,
    ...(req.stream ? { stream_options: { include_usage: true } } : {}),
  };
}

/** The seed spells finish reasons in upper case (STOP, LENGTH, TOOL_CALLS, CONTENT_FILTER). */
export function directFinishReason(r: FinishReason | null): string {
  return (r ?? "stop").toUpperCase();
}

function directUsage(u: Usage | undefined): InferenceResponse["usage"] {
  return u && { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.total_tokens };
}

export function chatToInferenceResponse(c: ChatCompletion): InferenceResponse {
  const choice = c.choices[0]!;
  const usage = directUsage(c.usage);
  return {
    response: { text: choice.message.content ?? "", finish_reason: directFinishReason(choice.finish_reason) },
    ...(usage ? { usage } : {}),
  };
}

/**
 * Chat chunks → the seed's stream: `{"delta": "<text>"}` per piece of text, then one final
 * `{"response": {...}, "usage": {...}}` with the whole answer. Stateful only in what it sums up.
 */
export class InferenceStreamFolder {
  private text = "";
  private finish: FinishReason | null = null;
  private usage: Usage | undefined;

  push(chunk: ChatCompletionChunk): Array<{ delta: string }> {
    if (chunk.usage) this.usage = chunk.usage;
    const c = chunk.choices[0];
    if (c?.finish_reason) this.finish = c.finish_reason;
    const delta = c?.delta.content;
    if (!delta) return [];
    this.text += delta;
    return [{ delta }];
  }

  final(): InferenceResponse {
    const usage = directUsage(this.usage);
    return {
      response: { text: this.text, finish_reason: directFinishReason(this.finish) },
      ...(usage ? { usage } : {}),
    };
  }
}
