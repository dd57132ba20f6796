import { messageText } from "../chat/formats/message-text";
import type { ChatMessage } from "../chat/types";
import { badRequest } from "../errors/api-error";

/** What an OpenAI conversation sends to a stateful agent. */
export interface AgentInput {
  /** The newest user message. */
  message: string;
  /** Earlier turns as one text block (`role: text` per line), for a session that has none of them. */
  context: string;
  /** Results of the agent's function calls, when the conversation ends with tool messages. */
  performedActions: Array<{
    actionId: string;
    performedActionType: "FUNCTION_CALLING_PERFORMED_ACTION";
    functionCallOutput: string;
  }>;
}

const TEXT_ONLY = "agents take text only";

/**
 * Agents keep their own history, so only the newest turn is sent; earlier turns go along as
 * context when the session is new. A conversation ending in tool messages answers the agent's
 * required actions (tool_call_id = the action id). Pure.
 */
export function conversationToAgentInput(messages: ChatMessage[]): AgentInput {
  let end = messages.length;
  while (end > 0 && messages[end - 1]!.role === "tool") end--;
  if (end < messages.length) {
    const performedActions = messages.slice(end).map((m, j) => {
      const param = `messages[${end + j}]`;
      if (!m.tool_call_id)
        throw badRequest(
          `'${param}.tool_call_id' is required for role 'tool'`,
          `${param}.tool_call_id`,
          "missing_required_parameter",
        );
      return {
        actionId: m.tool_call_id,
        performedActionType: "FUNCTION_CALLING_PERFORMED_ACTION" as const,
        functionCallOutput: messageText(m.content, `${param}.content`, TEXT_ONLY),
      };
    });
    return { message: "", context: contextOf(messages.slice(0, end)), performedActions };
  }
  const last = messages.length - 1;
  if (last < 0 || messages[last]!.role !== "user")
    throw badRequest("An agent conversation must end with a user message or tool results", `messages[${last}].role`);
  return {
    message: messageText(messages[last]!.content, `messages[${last}].content`, TEXT_ONLY),
    context: contextOf(messages.slice(0, last)),
    performedActions: [],
  };
}

function contextOf(turns: ChatMessage[]): string {
  return turns
    .map((m, i) => {
      const text = m.content == null ? "" : messageText(m.content, `messages[${i}].content`, TEXT_ONLY);
      const calls = (m.tool_calls ?? []).map((c) => `${c.function.name}(${c.function.arguments})`).join(", ");
      return `${m.role}: ${[text, calls && `[called ${calls}]`].filter(Boolean).join(" ")}`;
    })
    .join("\n");
}

/** The userMessage of a turn: context first when the session starts fresh, then the newest message. */
export function agentUserMessage(input: AgentInput, fresh: boolean): string {
  if (input.performedActions.length) return "null"; // Oracle's ADK sends this with performedActions (docs/oci-wire.md#agent-required-actions).
  return fresh && input.context ? `${input.context}\n\n${input.message}` : input.message;
}
