import type { CompletionMeta } from "../../chat/formats/map-generic-chat-response";
import type { ChatCompletion, FinishReason, ToolCallOut, Usage } from "./types";

type Message = ChatCompletion["choices"][number]["message"];

/**
 * A chat.completion with one choice: text and tool calls (content is null when there are calls
 * and no text, as OpenAI answers), plus any extra message fields such as reasoning_content.
 */
export function singleChoiceCompletion(
  meta: CompletionMeta,
  text: string,
  toolCalls: ToolCallOut[],
  finishReason: FinishReason,
  usage: Usage | undefined,
  extra: Partial<Message> = {},
): ChatCompletion {
  const message: Message = { role: "assistant", content: toolCalls.length && text === "" ? null : text, ...extra };
  if (toolCalls.length) message.tool_calls = toolCalls;
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
    usage,
  };
}
