import type { ChatEvent, FinishReason } from "../../src/chat/types";

/** The core's stream events, as the stream mapper tests expect them (choice 0 unless named). */
export const chatEvents = {
  text: (t: string, choice = 0): ChatEvent => ({ type: "text", choice, text: t }),
  finish: (reason: FinishReason, choice = 0): ChatEvent => ({ type: "finish", choice, reason }),
  usage: (inputTokens: number, outputTokens: number, totalTokens: number): ChatEvent => ({
    type: "usage",
    usage: { inputTokens, outputTokens, totalTokens },
  }),
  toolCall: (index: number, id: string, name: string, args: string): ChatEvent => ({
    type: "tool_call",
    choice: 0,
    index,
    id,
    name,
    arguments: args,
  }),
  toolArguments: (index: number, a: string): ChatEvent => ({ type: "tool_arguments", choice: 0, index, arguments: a }),
};
