import { RequestOrigins } from "../../chat/request-origins";
import type { ChatMessage, ChatRequest, ChatToolCall, ContentPart, ResponseFormat } from "../../chat/types";
import { badRequest, missingParam } from "../../errors/api-error";
import type { Json } from "../../stored-responses/response-types";
import type { ResponsesRequest } from "./schemas";
import { offeredName, type ToolPlan } from "./tools";

const isRec = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/**
 * Item types that only OpenAI's hosted tools produce, or that carry nothing for OCI: dropped.
 * (`item_reference` is not among them: create-response replaces each with the stored item it
 * names before this runs.)
 */
const DROPPED = new Set([
  "reasoning",
  "compaction",
  "compaction_trigger",
  "web_search_call",
  "file_search_call",
  "code_interpreter_call",
  "image_generation_call",
  "computer_call",
  "computer_call_output",
  "mcp_call",
  "mcp_list_tools",
  "mcp_approval_request",
  "mcp_approval_response",
  "additional_tools",
]);

/** `input` as a list of items: a string is one user message; a bare `{role, content}` is a message. */
export function inputItems(input: ResponsesRequest["input"]): Json[] {
  if (typeof input === "string") return [{ type: "message", role: "user", content: input }];
  return input.map((item) =>
    item.type === undefined && item.role !== undefined ? { type: "message", ...item } : item,
  );
}

/**
 * A Responses request → the chat core's request. `history` holds the items of the earlier turns
 * of a `previous_response_id` chain (their inputs and outputs, oldest first); `instructions`
 * lead as a system message and are never carried along a chain. `items` is `input` as a list of
 * items, when the caller has it already. `at` learns which item each message, part and call came
 * from, for the chat core's 400s. Pure; 400s name the parameter (`input[3].content[1].image_url`).
 */
export function convertToChatRequest(
  req: ResponsesRequest,
  plan: ToolPlan,
  history: Json[] = [],
  items: Json[] = inputItems(req.input),
  at: RequestOrigins = RequestOrigins.SILENT,
): ChatRequest {
  const messages: ChatMessage[] = [];
  if (req.instructions) messages.push(at.at({ role: "system", content: req.instructions }, "instructions"));
  const shown: ContentPart[] = [];
  const add = (item: Json, param: string) => {
    if (shown.length && !TOOL_OUTPUTS.has(str(item.type) ?? "")) showToolMedia(messages, shown);
    addItem(messages, item, param, at, shown);
  };
  for (const [i, item] of history.entries()) add(item, `previous_response_id(${i})`);
  for (const [i, item] of items.entries()) add(item, `input[${i}]`);
  if (shown.length) showToolMedia(messages, shown);
  if (messages.length === 0 || messages.every((m) => m.role === "system" || m.role === "developer")) {
    throw badRequest("'input' holds nothing for the model to answer", "input", "empty_input");
  }
  const out: ChatRequest = { messages, stream: req.stream === true };
  if (plan.offered.length) out.tools = plan.offered;
  if (plan.choice !== undefined && (plan.offered.length || plan.choice === "none")) out.tool_choice = plan.choice;
  if (req.parallel_tool_calls != null && plan.offered.length) out.parallel_tool_calls = req.parallel_tool_calls;
  if (req.max_output_tokens != null) out.max_completion_tokens = req.max_output_tokens;
  if (req.temperature != null) out.temperature = req.temperature;
  if (req.top_p != null) out.top_p = req.top_p;
  const format = responseFormat(req.text?.format);
  if (format) out.response_format = format;
  if (req.text?.verbosity) out.verbosity = req.text.verbosity;
  const effort = req.reasoning?.effort;
  if (effort) out.preferred_reasoning_effort = effort === "xhigh" ? "high" : effort;
  const user = req.safety_identifier ?? req.user;
  if (user) out.user = user;
  if (req.service_tier != null) out.service_tier = req.service_tier;
  if (req.metadata != null) out.metadata = req.metadata;
  return out;
}

function responseFormat(f: NonNullable<ResponsesRequest["text"]>["format"]): ResponseFormat | undefined {
  if (!f || f.type === "text") return undefined;
  if (f.type === "json_object") return { type: "json_object" };
  return {
    type: "json_schema",
    json_schema: { name: f.name, schema: f.schema, description: f.description, strict: f.strict ?? undefined },
  };
}

/** Items that answer a call: OCI wants them right after it, so what they show waits behind them. */
const TOOL_OUTPUTS = new Set([
  "function_call_output",
  "custom_tool_call_output",
  "local_shell_call_output",
  "tool_search_output",
]);

/**
 * Images and files tools returned (Codex's `view_image`, an Agents SDK tool's screenshot), which
 * OCI takes only from a user: one user message after the outputs that returned them, as the
 * Messages API does with tool images. A model that cannot see them gets a note in their place
 * (chat/formats/message-text.ts).
 */
function showToolMedia(messages: ChatMessage[], shown: ContentPart[]): void {
  messages.push({ role: "user", content: [{ type: "text", text: "What the tools returned:" }, ...shown] });
  shown.length = 0;
}

function addItem(messages: ChatMessage[], item: Json, param: string, at: RequestOrigins, shown: ContentPart[]): void {
  const type = str(item.type);
  // Calls made by consecutive items share one assistant message: each call names its own item.
  const addCall = (call: ChatToolCall) => addCallTo(messages, at.at(call, param), param, at);
  switch (type) {
    case "message":
      messages.push(at.at(message(item, param, at), param));
      return;
    case "function_call": {
      const name = need(item, "name", param);
      addCall({
        id: need(item, "call_id", param),
        function: { name: offeredName(name, str(item.namespace)), arguments: str(item.arguments) ?? "{}" },
      });
      return;
    }
    case "custom_tool_call": {
      const name = need(item, "name", param);
      addCall({
        id: need(item, "call_id", param),
        function: {
          name: offeredName(name, str(item.namespace)),
          arguments: JSON.stringify({ input: str(item.input) ?? "" }),
        },
      });
      return;
    }
    case "local_shell_call": {
      const { type: _exec, ...action } = isRec(item.action) ? item.action : {};
      addCall({
        id: need(item, "call_id", param),
        function: { name: "local_shell", arguments: JSON.stringify(action) },
      });
      return;
    }
    case "tool_search_call":
      addCall({
        id: need(item, "call_id", param),
        function: { name: "tool_search", arguments: JSON.stringify(item.arguments ?? {}) },
      });
      return;
    case "function_call_output":
    case "custom_tool_call_output":
      messages.push(
        at.at(
          {
            role: "tool",
            tool_call_id: need(item, "call_id", param),
            content: toolOutput(item.output, `${param}.output`, at, shown),
          },
          param,
        ),
      );
      return;
    case "local_shell_call_output":
      messages.push(
        at.at(
          {
            role: "tool",
            tool_call_id: str(item.call_id) ?? need(item, "id", param),
            content: toolOutput(item.output, `${param}.output`, at, shown),
          },
          param,
        ),
      );
      return;
    case "tool_search_output": {
      const names = (Array.isArray(item.tools) ? item.tools : []).filter(isRec).map((t) => String(t.name ?? t.type));
      messages.push(
        at.at(
          {
            role: "tool",
            tool_call_id: need(item, "call_id", param),
            content: names.length ? `Tools now available: ${names.join(", ")}` : "No tools found.",
          },
          param,
        ),
      );
      return;
    }
    default:
      if (type !== undefined && DROPPED.has(type)) return;
      throw badRequest(
        `'${param}.type' ${type === undefined ? "is missing" : `'${type}' is not an input item this gateway knows`}`,
        `${param}.type`,
      );
  }
}

/** Consecutive calls belong to one assistant turn, as OCI and the chat formats expect. */
function addCallTo(messages: ChatMessage[], call: ChatToolCall, param: string, at: RequestOrigins): void {
  const last = messages.at(-1);
  if (last?.role === "assistant") {
    last.tool_calls = [...(last.tool_calls ?? []), call];
    return;
  }
  messages.push(at.at({ role: "assistant", content: null, tool_calls: [call] }, param));
}

function need(item: Json, field: string, param: string): string {
  const v = item[field];
  if (typeof v !== "string" || v === "") throw missingParam(`${param}.${field}`);
  return v;
}

const ROLES = new Set(["user", "system", "developer", "assistant"]);

function message(item: Json, param: string, at: RequestOrigins): ChatMessage {
  const role = str(item.role);
  if (!role || !ROLES.has(role)) {
    throw badRequest(`'${param}.role' must be user, system, developer or assistant`, `${param}.role`);
  }
  const content = item.content;
  if (typeof content === "string") return { role: role as ChatMessage["role"], content };
  if (!Array.isArray(content))
    throw badRequest(`'${param}.content' must be a string or a list of parts`, `${param}.content`);
  const parts = content.map((p, j) => at.at(part(p, `${param}.content[${j}]`, role), `${param}.content[${j}]`));
  if (role !== "user") {
    // Only user turns carry images here; other roles are text, as the chat formats take them.
    const text = parts.map((p, j) => {
      if (p.type !== "text")
        throw badRequest(
          `'${param}.content[${j}]': only text is allowed in a ${role} message`,
          `${param}.content[${j}]`,
        );
      return p.text;
    });
    return { role: role as ChatMessage["role"], content: text.join("\n") };
  }
  return { role: "user", content: parts };
}

function part(p: unknown, param: string, role: string): ContentPart {
  if (!isRec(p)) throw badRequest(`'${param}' must be a content part object`, param);
  switch (p.type) {
    case "input_text":
    case "output_text":
    case "text":
      if (typeof p.text !== "string") throw badRequest(`'${param}.text' must be a string`, `${param}.text`);
      return { type: "text", text: p.text };
    case "refusal":
      return { type: "text", text: str(p.refusal) ?? "" };
    case "input_image": {
      const url = str(p.image_url) ?? str(p.file_id);
      if (!url) throw badRequest(`'${param}' needs an 'image_url' or a 'file_id'`, `${param}.image_url`);
      const detail = p.detail === "low" || p.detail === "high" || p.detail === "auto" ? p.detail : undefined;
      return { type: "image_url", image_url: detail ? { url, detail } : { url } };
    }
    case "input_file": {
      if (p.file_url != null)
        throw badRequest(
          `'${param}.file_url': this gateway does not fetch files by URL; send 'file_data' or upload the file and send its 'file_id'`,
          `${param}.file_url`,
        );
      const file = { file_id: str(p.file_id), file_data: str(p.file_data), filename: str(p.filename) };
      if (!file.file_id && !file.file_data)
        throw badRequest(`'${param}' needs a 'file_id' or 'file_data'`, `${param}.file_data`);
      return { type: "file", file };
    }
    case "input_audio": {
      const a = isRec(p.input_audio) ? p.input_audio : {};
      const data = str(a.data);
      if (!data) throw missingParam(`${param}.input_audio.data`);
      const format = str(a.format);
      if (!format) throw missingParam(`${param}.input_audio.format`);
      return { type: "input_audio", input_audio: { data, format } };
    }
    default:
      throw badRequest(
        `'${param}.type' '${String(p.type)}' is not a content part a ${role} message can carry here`,
        `${param}.type`,
      );
  }
}

/**
 * A tool's output as the text OCI gets: a string, or the text parts of a list; its image and file
 * parts join `shown` (see showToolMedia).
 */
function toolOutput(output: unknown, param: string, at: RequestOrigins, shown: ContentPart[]): string {
  if (typeof output === "string") return output;
  if (!Array.isArray(output)) throw badRequest(`'${param}' must be a string or a list of parts`, param);
  const texts: string[] = [];
  output.forEach((p, j) => {
    const where = `${param}[${j}]`;
    if (isRec(p) && (p.type === "input_text" || p.type === "output_text") && typeof p.text === "string")
      texts.push(p.text);
    else if (isRec(p) && (p.type === "input_image" || p.type === "input_file"))
      shown.push(at.at({ ...part(p, where, "user"), from_tool: true } as ContentPart, where));
    else throw badRequest(`'${where}': a tool output holds text, image and file parts`, where);
  });
  return texts.join("\n");
}
