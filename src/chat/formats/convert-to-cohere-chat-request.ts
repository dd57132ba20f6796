import type { AliasParams } from "../../config/types";
import { badRequest } from "../../errors/api-error";
import type { CohereChatRequest, CohereMessage, CohereToolResult } from "../../oci/wire";
import type { ChatMessage, ChatRequest } from "../types";
import { toCohereParameterDefinitions } from "./cohere-parameter-definitions";
import { cohereResponseFormat } from "./cohere-response-format";
import { cohereSampling } from "./cohere-sampling";
import { messageText } from "./message-text";
import { rejectUnsupportedParams, whenSet } from "./reject-unsupported-params";
import { dropCohereExtras } from "./request-extras";
import { requireToolCallId } from "./require-tool-call-id";
import { mergeSampling } from "./sampling-params";
import { DEFAULT_MAX_SCHEMA_NODES } from "./simplify-json-schema";
import { toolParameters } from "./tool-parameters";

const NO_IMAGES = "COHERE models take text only (use a Cohere vision model, apiFormat COHEREV2)";

/**
 * OpenAI chat → OCI COHERE (Cohere v1): the last user turn is `message`, earlier turns are
 * `chatHistory`, system/developer messages (wherever they stand) are `preambleOverride`, tools become
 * `parameterDefinitions`, and trailing tool messages become `toolResults` merged with the call
 * they answer (found through `tool_call_id` in the assistant message). Pure.
 */
export function convertToCohereChatRequest(
  req: ChatRequest,
  defaults: AliasParams,
  stream: boolean,
  maxSchemaNodes = DEFAULT_MAX_SCHEMA_NODES,
): CohereChatRequest {
  rejectUnsupportedParams(req, "COHERE", [
    ["n", (v) => v !== 1, "return one choice (n must be 1)"],
    ["logprobs", (v) => v === true, "return no log probabilities"],
    ["top_logprobs", whenSet, "return no log probabilities"],
    ["logit_bias", whenSet, "take no logit_bias"],
    // 'none' with no tool offered asks nothing a COHERE model cannot do.
    [
      "tool_choice",
      (v) => v !== "auto" && !(v === "none" && !req.tools?.length),
      "only choose tools automatically (tool_choice 'auto')",
    ],
    ["parallel_tool_calls", (v) => v === false, "may always call several tools at once"],
    ["reasoning_effort", whenSet, "take no reasoning_effort"],
    ["verbosity", whenSet, "take no verbosity"],
  ]);
  dropCohereExtras(req, "COHERE");
  const s = mergeSampling(
    { ...req, reasoning_effort: undefined, preferred_reasoning_effort: undefined, verbosity: undefined },
    { ...defaults, reasoning_effort: undefined, verbosity: undefined },
  );
  const { preamble, history, message, toolResults } = splitConversation(req.messages);
  const out: CohereChatRequest = {
    apiFormat: "COHERE",
    message,
    maxTokens: s.maxTokens,
    isStream: stream,
    ...cohereSampling(s, req, stream),
  };
  if (preamble !== undefined) out.preambleOverride = preamble;
  if (history.length) out.chatHistory = history;
  if (toolResults.length) out.toolResults = toolResults;
  if (req.tools?.length) {
    out.tools = req.tools.map((t, i) => ({
      name: t.function.name,
      description: t.function.description ?? t.function.name,
      parameterDefinitions: toCohereParameterDefinitions(toolParameters(t, i, maxSchemaNodes)),
    }));
  }
  if (req.response_format) out.responseFormat = cohereResponseFormat(req.response_format, maxSchemaNodes);
  return out;
}

interface Split {
  preamble?: string;
  history: CohereMessage[];
  message: string;
  toolResults: CohereToolResult[];
}

/**
 * System and developer messages wherever they stand join the preamble, in order: Claude Code puts
 * reminders in the middle and at the end of the list, and COHERE answers `message`, which must
 * stay the latest user turn (docs/api/openai.md#cohere).
 */
function splitConversation(messages: ChatMessage[]): Split {
  const preamble: string[] = [];
  // The conversation without its system messages, each with its index for error messages.
  const turns: Array<{ m: ChatMessage; k: number }> = [];
  messages.forEach((m, k) => {
    if (m.role === "system" || m.role === "developer")
      preamble.push(messageText(m.content, `messages[${k}].content`, NO_IMAGES));
    else turns.push({ m, k });
  });
  // The current turn: a trailing run of tool results, or the last user message.
  let end = turns.length;
  while (end > 0 && turns[end - 1]!.m.role === "tool") end--;
  const trailingTools = end < turns.length;
  let message = "";
  if (!trailingTools) {
    const last = turns.at(-1);
    if (last?.m.role !== "user") {
      throw badRequest(
        `COHERE models need the conversation to end with a user message or tool results`,
        `messages[${last?.k ?? messages.length - 1}].role`,
      );
    }
    message = messageText(last.m.content, `messages[${last.k}].content`, NO_IMAGES);
    end = turns.length - 1;
  }
  const calls = new Map<string, { name: string; parameters: unknown }>();
  const history: CohereMessage[] = [];
  let pendingTools: CohereToolResult[] = [];
  const flushTools = () => {
    if (pendingTools.length) history.push({ role: "TOOL", toolResults: pendingTools } as CohereMessage);
    pendingTools = [];
  };
  for (const { m, k } of turns.slice(0, end)) {
    const param = `messages[${k}]`;
    if (m.role !== "tool") flushTools();
    switch (m.role) {
      case "user":
        history.push({ role: "USER", message: messageText(m.content, `${param}.content`, NO_IMAGES) } as CohereMessage);
        break;
      case "assistant": {
        const toolCalls = (m.tool_calls ?? []).map((c, j) => {
          const parameters = parseArguments(c.function.arguments, `${param}.tool_calls[${j}].function.arguments`);
          calls.set(c.id, { name: c.function.name, parameters });
          return { name: c.function.name, parameters };
        });
        const text = m.content == null ? "" : messageText(m.content, `${param}.content`, NO_IMAGES);
        history.push({ role: "CHATBOT", message: text, ...(toolCalls.length ? { toolCalls } : {}) } as CohereMessage);
        break;
      }
      case "tool":
        pendingTools.push(toolResult(m, k, calls));
        break;
      default:
        throw badRequest(`Unknown role ${String(m.role)}`, `${param}.role`);
    }
  }
  flushTools();
  const toolResults = trailingTools ? turns.slice(end).map(({ m, k }) => toolResult(m, k, calls)) : [];
  return { preamble: preamble.length ? preamble.join("\n\n") : undefined, history, message, toolResults };
}

function toolResult(
  m: ChatMessage,
  k: number,
  calls: Map<string, { name: string; parameters: unknown }>,
): CohereToolResult {
  const param = `messages[${k}].tool_call_id`;
  const id = requireToolCallId(m, k);
  const call = calls.get(id);
  if (!call)
    throw badRequest(`'${param}' ('${id}') does not answer any tool call of an earlier assistant message`, param);
  return {
    call: { name: call.name, parameters: call.parameters },
    outputs: toolOutputs(messageText(m.content, `messages[${k}].content`, NO_IMAGES)),
  };
}

/** Cohere wants a list of objects; a tool's text answer is wrapped unless it already is JSON of that shape. */
export function toolOutputs(text: string): Array<Record<string, unknown>> {
  try {
    const v: unknown = JSON.parse(text);
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "object" && x !== null && !Array.isArray(x)))
      return v as Array<Record<string, unknown>>;
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return [v as Record<string, unknown>];
    return [{ result: v }];
  } catch {
    return [{ result: text }];
  }
}

function parseArguments(args: string, param: string): unknown {
  try {
    return args.trim() === "" ? {} : JSON.parse(args);
  } catch {
    throw badRequest(`'${param}' is not valid JSON`, param);
  }
}
