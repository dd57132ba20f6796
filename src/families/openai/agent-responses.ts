import type { AgentAnswer } from "../../agents/read-agent-result";
import type { CompletionMeta } from "../../chat/formats/map-generic-chat-response";
import { chunkOf } from "../../chat/formats/stream-mapper";
import { singleChoiceCompletion } from "./single-choice-completion";
import type { ChatCompletion, ChatCompletionChunk, ToolCallOut } from "./types";

/** The `agent` object an OpenAI-shaped answer carries (CONTRACT §4). */
export interface AgentInfo {
  session_id: string;
  session_key: string;
  reused: boolean;
  citations: unknown[];
}

export type AgentChatCompletion = ChatCompletion & { agent: AgentInfo };
export type AgentChunk = ChatCompletionChunk & { agent?: AgentInfo };

export function agentText(a: AgentAnswer): string {
  return [a.text, ...a.approvals].filter(Boolean).join("\n\n");
}

export function agentToolCalls(a: AgentAnswer): ToolCallOut[] {
  return a.functionCalls.map((c) => ({
    id: c.actionId,
    type: "function",
    function: { name: c.name, arguments: c.arguments },
  }));
}

/** An agent's answer as a chat.completion: required function calls become tool_calls. */
export function agentToChatCompletion(a: AgentAnswer, meta: CompletionMeta, agent: AgentInfo): AgentChatCompletion {
  const calls = agentToolCalls(a);
  const text = agentText(a);
  return {
    ...singleChoiceCompletion(
      meta,
      text,
      calls,
      calls.length ? "tool_calls" : "stop",
      a.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    ),
    agent,
  };
}

/** The closing chunks of an agent stream: tool calls (whole), then the finish chunk with `agent`. */
export function agentClosingChunks(
  a: AgentAnswer,
  meta: CompletionMeta,
  agent: AgentInfo,
  includeUsage: boolean,
): AgentChunk[] {
  const calls = agentToolCalls(a);
  const out: AgentChunk[] = [];
  const approvals = a.approvals.join("\n\n");
  if (approvals)
    out.push(
      chunkOf(meta, [
        { index: 0, delta: { content: (a.text ? "\n\n" : "") + approvals }, logprobs: null, finish_reason: null },
      ]),
    );
  if (calls.length) {
    out.push(
      chunkOf(meta, [
        {
          index: 0,
          delta: { tool_calls: calls.map((c, i) => ({ index: i, id: c.id, type: "function", function: c.function })) },
          logprobs: null,
          finish_reason: null,
        },
      ]),
    );
  }
  out.push({
    ...chunkOf(meta, [{ index: 0, delta: {}, logprobs: null, finish_reason: calls.length ? "tool_calls" : "stop" }]),
    agent,
  });
  if (includeUsage)
    out.push({ ...chunkOf(meta, []), usage: a.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } });
  return out;
}

/** The seed's `agentResponse` object. */
export function seedAgentResponse(a: AgentAnswer) {
  return {
    role: "ASSISTANT" as const,
    content: [{ text: agentText(a) }],
    timeCreated: a.timeCreated,
    ...(a.citations.length ? { citations: a.citations } : {}),
  };
}
