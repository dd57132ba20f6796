import type { AgentTurn, ChatAnswer, FinishReason, TokenUsage, ToolCall } from "../../chat/types";

/** The Message object of Anthropic's API (docs/api/anthropic.md#response). */
export interface AnthropicMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: ContentBlock[];
  stop_reason: StopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
  /** Agent aliases: the OCI session and the sources cited (not in Anthropic's own API). */
  agent?: { session_id: string; citations: unknown[] };
}

export type ContentBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: unknown }
  | { type: "thinking"; thinking: string; signature: string };

export type StopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "refusal";

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  /** Anthropic's name for the tier that served it, when OCI says (`default` → `standard`). */
  service_tier?: "standard" | "priority";
}

/** `msg_` and 24 hex digits, random, in Anthropic's id style. */
export function newMessageId(): string {
  return `msg_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
}

/**
 * A tool call's id as Anthropic clients expect it: `toolu_…`, letters, digits, `_` and `-` only.
 * The same OCI id always gives the same id, and a client sends it back in history as is, where
 * OCI only needs the call and its result to agree.
 */
export function toolUseId(ociId: string): string {
  const safe = ociId.replace(/[^a-zA-Z0-9_-]/g, "_");
  return safe.startsWith("toolu_") ? safe : `toolu_${safe}`;
}

export function stopReason(finish: FinishReason | undefined): StopReason {
  switch (finish) {
    case "length":
      return "max_tokens";
    case "tool_calls":
      return "tool_use";
    case "content_filter":
      return "refusal";
    default:
      return "end_turn";
  }
}

/**
 * Anthropic's `input_tokens` is the part of the prompt not read from a cache (clients add the
 * three input fields up for the context they hold); OCI's prompt tokens include the cached ones.
 */
export function anthropicUsage(u: TokenUsage | undefined): AnthropicUsage {
  const cached = u?.cachedInputTokens ?? 0;
  return {
    input_tokens: Math.max(0, (u?.inputTokens ?? 0) - cached),
    output_tokens: u?.outputTokens ?? 0,
    cache_read_input_tokens: cached,
    cache_creation_input_tokens: 0,
  };
}

function anthropicTier(tier: string | undefined): Pick<AnthropicUsage, "service_tier"> {
  if (tier === "priority") return { service_tier: "priority" };
  if (tier === "default") return { service_tier: "standard" };
  return {};
}

/** A call's arguments as the `input` object; text that is not a JSON object is kept under `input`. */
export function toolInput(args: string): unknown {
  if (args.trim() === "") return {};
  try {
    const v: unknown = JSON.parse(args);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v : { input: v };
  } catch {
    return { input: args };
  }
}

export function toolUseBlock(c: ToolCall): ContentBlock {
  return { type: "tool_use", id: toolUseId(c.id), name: c.name, input: toolInput(c.arguments) };
}

export function agentField(agent: AgentTurn | undefined): Pick<AnthropicMessage, "agent"> {
  return agent ? { agent: { session_id: agent.sessionId, citations: agent.citations } } : {};
}

/** The core's whole answer as a Message: thinking, then the text, then the tool calls. */
export function toMessage(id: string, model: string, answer: ChatAnswer): AnthropicMessage {
  const choice = answer.choices[0];
  const content: ContentBlock[] = [];
  if (choice?.reasoning) content.push({ type: "thinking", thinking: choice.reasoning, signature: "" });
  const text = choice?.text ?? "";
  if (text !== "" || !choice?.toolCalls.length) content.push({ type: "text", text });
  for (const c of choice?.toolCalls ?? []) content.push(toolUseBlock(c));
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: stopReason(choice?.finishReason),
    stop_sequence: null,
    usage: { ...anthropicUsage(answer.usage), ...anthropicTier(answer.serviceTier) },
    ...agentField(answer.agent),
  };
}
