/**
 * Answers as the chat core carries them and as the OpenAI family renders them. The OCI mapper
 * tests render what they mapped, and the rendering tests start from the core: both check against
 * these, so the two cannot drift apart.
 */
import type { AnswerChoice, LogprobToken, TokenUsage, ToolCall } from "../../src/chat/types";
import type { ChatCompletion, Usage } from "../../src/families/openai/types";

type Message = ChatCompletion["choices"][number]["message"];

/** Two calls, the second sent by OCI without arguments (the core gives it `{}`). */
export const TWO_TOOL_CALLS: ToolCall[] = [
  { id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' },
  { id: "call_2", name: "get_time", arguments: "{}" },
];

export const TWO_TOOL_CALLS_MESSAGE: Message = {
  role: "assistant",
  content: null,
  tool_calls: [
    { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
    { id: "call_2", type: "function", function: { name: "get_time", arguments: "{}" } },
  ],
};

/** The message of a choice with text "42", reasoning "thinking..." and refusal "no". */
export const REASONED_MESSAGE: Message = {
  role: "assistant",
  content: "42",
  reasoning_content: "thinking...",
  refusal: "no",
};

/** One token "Hi", its own only alternative, at `logprob`. */
export const hiLogprobs = (logprob: number): LogprobToken[] => [
  { token: "Hi", logprob, bytes: [72, 105], top_logprobs: [{ token: "Hi", logprob, bytes: [72, 105] }] },
];

/** Usage with every detail OCI reports for an OpenAI model. */
export const DETAILED_USAGE: TokenUsage = {
  inputTokens: 10,
  outputTokens: 50,
  totalTokens: 60,
  cachedInputTokens: 4,
  reasoningTokens: 40,
  acceptedPredictionTokens: 0,
};

export const DETAILED_USAGE_RENDERED: Usage = {
  prompt_tokens: 10,
  completion_tokens: 50,
  total_tokens: 60,
  prompt_tokens_details: { cached_tokens: 4 },
  completion_tokens_details: { reasoning_tokens: 40, accepted_prediction_tokens: 0 },
};

/** An answer that only calls tools: the core's choice, and the choice chat.completion renders from it. */
export function toolCallsOnly(calls: ToolCall[]): {
  choice: AnswerChoice;
  rendered: ChatCompletion["choices"][number];
} {
  return {
    choice: { index: 0, text: undefined, toolCalls: calls, finishReason: "tool_calls" },
    rendered: {
      index: 0,
      message: {
        role: "assistant",
        content: null,
        tool_calls: calls.map((c) => ({
          id: c.id,
          type: "function",
          function: { name: c.name, arguments: c.arguments },
        })),
      },
      logprobs: null,
      finish_reason: "tool_calls",
    },
  };
}
