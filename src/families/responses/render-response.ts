import type { AgentTurn, ChatAnswer, FinishReason, TokenUsage, ToolCall } from "../../chat/types";
import type { MintItemId } from "../../stored-responses/item-ids";
import type {
  Json,
  OutputItem,
  OutputText,
  ResponseObject,
  ResponseUsage,
} from "../../stored-responses/response-types";
import type { ResponsesRequest } from "./schemas";
import type { ToolPlan } from "./tools";

export function responsesUsage(u: TokenUsage | undefined): ResponseUsage | null {
  if (!u) return null;
  return {
    input_tokens: u.inputTokens,
    input_tokens_details: { cached_tokens: u.cachedInputTokens ?? 0 },
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens ?? 0 },
    total_tokens: u.totalTokens,
  };
}

/** A call the model made, as the client's own item type (function, custom, local shell, tool search). */
export function callItem(call: ToolCall, plan: ToolPlan, newId: MintItemId): OutputItem {
  const tool = plan.calls.get(call.name);
  const args = parse(call.arguments);
  switch (tool?.kind) {
    case "custom":
      return {
        type: "custom_tool_call",
        id: newId("ctc"),
        call_id: call.id,
        name: tool.name,
        ...(tool.namespace ? { namespace: tool.namespace } : {}),
        input: typeof args?.input === "string" ? args.input : call.arguments,
        status: "completed",
      };
    case "local_shell":
      return {
        type: "local_shell_call",
        id: newId("lsh"),
        call_id: call.id,
        status: "completed",
        action: { type: "exec", env: {}, ...(args ?? {}), command: commandOf(args) },
      };
    case "tool_search":
      return {
        type: "tool_search_call",
        id: newId("ts"),
        call_id: call.id,
        arguments: args ?? {},
        execution: "client",
        status: "completed",
      };
    default:
      return {
        type: "function_call",
        id: newId("fc"),
        call_id: call.id,
        name: tool?.kind === "function" ? tool.name : call.name,
        ...(tool?.kind === "function" && tool.namespace ? { namespace: tool.namespace } : {}),
        arguments: call.arguments,
        status: "completed",
      };
  }
}

function parse(s: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

function commandOf(args: Json | undefined): string[] {
  const c = args?.command;
  return Array.isArray(c) ? c.map(String) : typeof c === "string" ? [c] : [];
}

/** What an agent cited, as `output_text` annotations: a `url_citation` when the source has a URL. */
export function annotationsOf(agent: AgentTurn | undefined, text: string): Json[] {
  if (!agent) return [];
  return agent.citations.map((c) => {
    const rec = (typeof c === "object" && c !== null ? c : {}) as Json;
    const location = (
      typeof rec.sourceLocation === "object" && rec.sourceLocation !== null ? rec.sourceLocation : {}
    ) as Json;
    const url = typeof location.url === "string" ? location.url : undefined;
    const title =
      typeof rec.title === "string"
        ? rec.title
        : typeof rec.sourceText === "string"
          ? rec.sourceText.slice(0, 100)
          : "";
    return url
      ? { type: "url_citation", url, title, start_index: 0, end_index: text.length }
      : { type: "file_citation", file_id: String(rec.docId ?? ""), filename: title, index: 0 };
  });
}

export function outputText(text: string, agent?: AgentTurn): OutputText {
  return { type: "output_text", text, annotations: annotationsOf(agent, text), logprobs: [] };
}

/** The core's whole answer as output items: reasoning, then the message, then the calls. */
export function outputItems(answer: ChatAnswer, plan: ToolPlan, newId: MintItemId): OutputItem[] {
  const choice = answer.choices[0];
  if (!choice) return [];
  const items: OutputItem[] = [];
  if (choice.reasoning) {
    items.push({ type: "reasoning", id: newId("rs"), summary: [{ type: "summary_text", text: choice.reasoning }] });
  }
  const text = choice.text ?? "";
  if (text !== "" || choice.toolCalls.length === 0) {
    items.push({
      type: "message",
      id: newId("msg"),
      role: "assistant",
      status: choice.finishReason === "length" ? "incomplete" : "completed",
      content: [outputText(text, answer.agent)],
    });
  }
  for (const c of choice.toolCalls) items.push(callItem(c, plan, newId));
  return items;
}

/** Status and incomplete details for a finish reason. */
export function outcomeOf(finish: FinishReason | undefined): Pick<ResponseObject, "status" | "incomplete_details"> {
  if (finish === "length") return { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } };
  if (finish === "content_filter") return { status: "incomplete", incomplete_details: { reason: "content_filter" } };
  return { status: "completed", incomplete_details: null };
}

/** The response object before it has any output: what the request set, echoed as OpenAI does. */
export function responseShell(
  id: string,
  alias: string,
  req: ResponsesRequest,
  createdAt = Math.floor(Date.now() / 1000),
): ResponseObject {
  return {
    id,
    object: "response",
    created_at: createdAt,
    status: "in_progress",
    completed_at: null,
    error: null,
    incomplete_details: null,
    instructions: req.instructions ?? null,
    max_output_tokens: req.max_output_tokens ?? null,
    model: alias,
    output: [],
    parallel_tool_calls: req.parallel_tool_calls ?? true,
    previous_response_id: req.previous_response_id ?? null,
    reasoning: { effort: req.reasoning?.effort ?? null, summary: req.reasoning?.summary ?? null },
    store: req.store !== false,
    temperature: req.temperature ?? null,
    text: {
      format: (req.text?.format as Json | undefined) ?? { type: "text" },
      verbosity: req.text?.verbosity ?? "medium",
    },
    tool_choice: req.tool_choice ?? "auto",
    tools: req.tools ?? [],
    top_p: req.top_p ?? null,
    truncation: req.truncation ?? "disabled",
    usage: null,
    user: req.user ?? null,
    metadata: req.metadata ?? {},
  };
}

/** The finished response: its output, outcome and usage (and, for agents, the session). */
export function completeResponse(
  shell: ResponseObject,
  output: OutputItem[],
  finish: FinishReason | undefined,
  usage: TokenUsage | undefined,
  agent?: AgentTurn,
  serviceTier?: string,
): ResponseObject {
  return {
    ...shell,
    ...outcomeOf(finish),
    completed_at: Math.floor(Date.now() / 1000),
    output,
    usage: responsesUsage(usage),
    ...(serviceTier ? { service_tier: serviceTier } : {}),
    ...(agent ? { agent: { session_id: agent.sessionId, citations: agent.citations } } : {}),
  };
}
