import { type Static, t } from "elysia";
import type { ChatOutcome } from "../../chat/outcome";
import type { ChatEvent, ChatRequest, FinishReason, TokenUsage } from "../../chat/types";
import { Int } from "../../http/int-schema";
import { type Reply, streamReply } from "../../http/respond";
import type { SseFrame } from "../../http/sse";
import { mapFlow } from "../../lib/flow";
import { type DirectUsage, directErrorFrame, directUsage } from "./shapes";

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
  usage?: DirectUsage;
}

/** The prompt as one user turn. */
export function inferenceToChatRequest(req: InferenceRequest): ChatRequest {
  return {
    messages: [{ role: "user", content: req.prompt }],
    temperature: req.temperature,
    max_tokens: req.max_tokens,
    top_p: req.top_p,
    top_k: req.top_k,
    stream: req.stream === true,
  };
}

/** The seed spells finish reasons in upper case (STOP, LENGTH, TOOL_CALLS, CONTENT_FILTER). */
export function directFinishReason(r: FinishReason | undefined): string {
  return (r ?? "stop").toUpperCase();
}

function inferenceResponse(
  text: string,
  finish: FinishReason | undefined,
  u: TokenUsage | undefined,
): InferenceResponse {
  const usage = directUsage(u);
  return { response: { text, finish_reason: directFinishReason(finish) }, ...(usage ? { usage } : {}) };
}

/**
 * The core's events → the seed's stream: `{"delta": "<text>"}` per piece of text, then one final
 * `{"response": {...}, "usage": {...}}` with the whole answer, then `[DONE]`.
 */
function inferenceFrames(events: AsyncIterable<ChatEvent>): AsyncIterable<SseFrame> {
  let text = "";
  let finish: FinishReason | undefined;
  let usage: TokenUsage | undefined;
  return mapFlow<ChatEvent, SseFrame>(events, {
    push(ev, out) {
      if (ev.type === "text" && ev.choice === 0) {
        text += ev.text;
        out.next({ data: { delta: ev.text } });
      } else if (ev.type === "finish" && ev.choice === 0) finish = ev.reason;
      else if (ev.type === "usage") usage = ev.usage;
    },
    end(out) {
      out.next({ data: inferenceResponse(text, finish, usage) });
      out.next({ data: "[DONE]" });
    },
  });
}

/** `POST /genai/{alias}/inference`: the core's outcome in the seed's shapes. */
export function inferenceReply(out: ChatOutcome): Reply<InferenceResponse> {
  if (out.kind === "answer") {
    const c = out.answer.choices[0]!;
    return {
      kind: "json",
      body: inferenceResponse(c.text ?? "", c.finishReason, out.answer.usage),
      ociRequestId: out.ociRequestId,
      usage: out.answer.usage,
    };
  }
  return streamReply(out, inferenceFrames(out.events), directErrorFrame);
}
