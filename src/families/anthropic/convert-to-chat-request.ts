import { RequestOrigins } from "../../chat/request-origins";
import type { ChatMessage, ChatRequest, ChatToolCall, ContentPart, FunctionTool, ToolChoice } from "../../chat/types";
import { badRequest, missingParam } from "../../errors/api-error";
import { documentParts, imagePart } from "./media-blocks";
import type { CountTokensRequest, MessagesRequest } from "./schemas";

type Json = Record<string, unknown>;

const isRec = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Blocks of Anthropic's server tools and thinking in history: nothing an OCI model can take. */
const DROPPED_BLOCKS = new Set([
  "thinking",
  "redacted_thinking",
  "server_tool_use",
  "web_search_tool_result",
  "web_fetch_tool_result",
  "code_execution_tool_result",
  "bash_code_execution_tool_result",
  "text_editor_code_execution_tool_result",
  "mcp_tool_use",
  "mcp_tool_result",
  "container_upload",
  "tool_search_tool_result",
]);

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export interface ConvertOptions {
  /** STRICT_TOOLS=true: server tools are a 400 instead of being left out. */
  strictTools: boolean;
  /** The alias's `max_tokens_limit`: a larger `max_tokens` is lowered to it, not refused. */
  maxTokensLimit?: number;
  /** Learns which block each message, part and call came from (for the core's 400s); none by default. */
  origins?: RequestOrigins;
}

export interface Converted {
  request: ChatRequest;
  /** Types of server tools left out (response header x-ocigenai-ignored-tools). */
  ignored: string[];
  /** Which block each message, part and tool call came from, when `origins` was given. */
  origins: RequestOrigins;
}

/**
 * An Anthropic Messages request → the chat core's request (docs/api/anthropic.md#request). The
 * system prompt leads; `system` entries inside `messages` stay where they are (the formats decide
 * what a model can take); `tool_result` blocks become tool messages right after the call they
 * answer, and what else the user said follows them. Pure; 400s name the block
 * (`messages[3].content[1].source`).
 */
export function convertToChatRequest(req: MessagesRequest | CountTokensRequest, o: ConvertOptions): Converted {
  if (req.mcp_servers?.length) {
    throw badRequest("'mcp_servers': this gateway does not connect models to MCP servers", "mcp_servers");
  }
  const messages: ChatMessage[] = [];
  const at = o.origins ?? RequestOrigins.SILENT;
  const system = systemText(req.system, "system");
  if (system) messages.push(at.at({ role: "system", content: system }, "system"));
  req.messages.forEach((m, i) => {
    addMessage(messages, m, `messages[${i}]`, at);
  });
  if (!messages.some((m) => m.role === "user" || m.role === "tool")) {
    throw badRequest("'messages' holds no user turn for the model to answer", "messages", "empty_input");
  }
  const tools = planTools(req.tools, o.strictTools);
  const out: ChatRequest = { messages, stream: "stream" in req && req.stream === true };
  if (tools.offered.length) out.tools = tools.offered;
  const choice = toolChoice(req.tool_choice, tools.offered);
  if (choice !== undefined) out.tool_choice = choice;
  if (req.tool_choice?.disable_parallel_tool_use === true && tools.offered.length) out.parallel_tool_calls = false;
  const effort = effortOf(req);
  if (effort) out.preferred_reasoning_effort = effort;
  const format = req.output_config?.format;
  if (format) out.response_format = { type: "json_schema", json_schema: { name: "output", schema: format.schema } };
  if ("max_tokens" in req) {
    out.max_tokens = o.maxTokensLimit === undefined ? req.max_tokens : Math.min(req.max_tokens, o.maxTokensLimit);
    if (req.stop_sequences?.length) out.stop = req.stop_sequences;
    if (req.temperature !== undefined) out.temperature = req.temperature;
    if (req.top_p !== undefined) out.top_p = req.top_p;
    if (req.top_k !== undefined) out.top_k = req.top_k;
    // `auto` is what OCI does when asked nothing; `standard_only` is OCI's default tier.
    if (req.service_tier === "standard_only") out.service_tier = "default";
  }
  return { request: out, ignored: tools.ignored, origins: at };
}

/** A string, or text blocks joined by blank lines (`cache_control` and citations ignored). */
function systemText(system: unknown, param: string): string | undefined {
  if (system === undefined) return undefined;
  if (typeof system === "string") return system;
  return (system as unknown[])
    .map((b, j) => {
      if (!isRec(b) || b.type !== "text" || typeof b.text !== "string")
        throw badRequest(`'${param}[${j}]' must be a text block`, `${param}[${j}]`);
      return b.text;
    })
    .join("\n\n");
}

function addMessage(
  messages: ChatMessage[],
  m: MessagesRequest["messages"][number],
  param: string,
  at: RequestOrigins,
): void {
  switch (m.role) {
    case "system": {
      const text = systemText(m.content, `${param}.content`);
      if (text) messages.push(at.at({ role: "system", content: text }, param));
      return;
    }
    case "assistant":
      addAssistant(messages, m.content, param, at);
      return;
    case "user":
      addUser(messages, m.content, param, at);
      return;
  }
}

function addAssistant(messages: ChatMessage[], content: string | Json[], param: string, at: RequestOrigins): void {
  if (typeof content === "string") {
    messages.push(at.at({ role: "assistant", content }, param));
    return;
  }
  const texts: string[] = [];
  const calls: ChatToolCall[] = [];
  content.forEach((b, j) => {
    const p = `${param}.content[${j}]`;
    switch (b.type) {
      case "text":
        if (typeof b.text === "string" && b.text !== "") texts.push(b.text);
        return;
      case "tool_use": {
        const id = need(b, "id", p);
        const name = need(b, "name", p);
        calls.push(at.at({ id, type: "function", function: { name, arguments: JSON.stringify(b.input ?? {}) } }, p));
        return;
      }
      default:
        if (typeof b.type === "string" && DROPPED_BLOCKS.has(b.type)) return;
        throw unknownBlock(b, p, "an assistant");
    }
  });
  if (texts.length === 0 && calls.length === 0) return; // only thinking or server-tool blocks
  const message: ChatMessage = {
    role: "assistant",
    // Blocks stay apart (text before a tool call and text after it), as they were written: one
    // string would run "…check A.Then B." together.
    content: texts.length === 0 ? null : texts.length === 1 ? texts[0]! : texts.map((text) => ({ type: "text", text })),
    ...(calls.length ? { tool_calls: calls } : {}),
  };
  messages.push(at.at(message, param));
}

/**
 * A user turn: its `tool_result` blocks first, as tool messages (OCI wants them right after the
 * calls), then the rest of what the user said, with any images a tool returned, as one message.
 */
function addUser(messages: ChatMessage[], content: string | Json[], param: string, at: RequestOrigins): void {
  if (typeof content === "string") {
    messages.push(at.at({ role: "user", content }, param));
    return;
  }
  const parts: ContentPart[] = [];
  const toolImages: ContentPart[] = [];
  content.forEach((b, j) => {
    const p = `${param}.content[${j}]`;
    switch (b.type) {
      case "text":
        if (typeof b.text !== "string") throw badRequest(`'${p}.text' must be a string`, `${p}.text`);
        parts.push(at.at({ type: "text", text: b.text }, p));
        return;
      case "image":
        parts.push(at.at(imagePart(b, p), p));
        return;
      case "tool_result": {
        const result = toolResult(b, p, at);
        messages.push(at.at({ role: "tool", tool_call_id: need(b, "tool_use_id", p), content: result.text }, p));
        toolImages.push(...result.images);
        return;
      }
      case "document":
        // A title makes two parts of one block: both name it.
        for (const part of documentParts(b, p)) parts.push(at.at(part, p));
        return;
      default:
        if (typeof b.type === "string" && DROPPED_BLOCKS.has(b.type)) return;
        throw unknownBlock(b, p, "a user");
    }
  });
  if (toolImages.length) parts.unshift({ type: "text", text: "Images the tools returned:" }, ...toolImages);
  if (parts.length) messages.push(at.at({ role: "user", content: parts }, param));
}

/** A tool's result as the text OCI gets (an error marked as one), and the images it returned. */
function toolResult(b: Json, param: string, at: RequestOrigins): { text: string; images: ContentPart[] } {
  const c = b.content;
  const prefix = b.is_error === true ? "Error: " : "";
  if (c === undefined || typeof c === "string") return { text: prefix + (c ?? ""), images: [] };
  if (!Array.isArray(c))
    throw badRequest(`'${param}.content' must be a string or a list of blocks`, `${param}.content`);
  const texts: string[] = [];
  const images: ContentPart[] = [];
  c.forEach((x, k) => {
    const p = `${param}.content[${k}]`;
    if (isRec(x) && x.type === "text" && typeof x.text === "string") texts.push(x.text);
    else if (isRec(x) && x.type === "image")
      images.push(at.at({ ...imagePart(x, p), from_tool: true } as ContentPart, p));
    else throw badRequest(`'${p}': a tool result holds text and image blocks`, p);
  });
  return { text: prefix + texts.join("\n"), images };
}

/**
 * Client tools (`{name, description, input_schema}`, or `type: "custom"`) become functions, their
 * schemas simplified by the formats as chat's are. A tool with any other `type` is one Anthropic
 * defines and runs or specifies itself (`web_search_*`, `code_execution_*`, `bash_*`,
 * `text_editor_*`…): OCI has no such tool, so it is left out and reported (STRICT_TOOLS: 400).
 */
function planTools(tools: unknown[] | undefined, strict: boolean): { offered: FunctionTool[]; ignored: string[] } {
  const offered: FunctionTool[] = [];
  const ignored: string[] = [];
  const names = new Set<string>();
  (tools ?? []).forEach((t, i) => {
    const param = `tools[${i}]`;
    if (!isRec(t)) throw badRequest(`'${param}' must be a tool object`, param);
    if (t.type !== undefined && typeof t.type !== "string")
      throw badRequest(`'${param}.type' must be a string ('custom', or one of Anthropic's tools)`, `${param}.type`);
    if (t.type !== undefined && t.type !== "custom") {
      const type = String(t.type);
      if (strict) {
        throw badRequest(
          `'${param}.type': '${type}' is a tool Anthropic runs or defines; OCI models cannot use it (STRICT_TOOLS is on)`,
          `${param}.type`,
          "unsupported_tool",
        );
      }
      ignored.push(type);
      return;
    }
    const name = str(t.name);
    if (!name || !TOOL_NAME.test(name)) {
      throw badRequest(`'${param}.name' must be 1–64 letters, digits, '_' or '-'`, `${param}.name`);
    }
    if (names.has(name)) throw badRequest(`Two tools are named '${name}'`, `${param}.name`, "duplicate_tool");
    names.add(name);
    const schema = t.input_schema;
    if (!isRec(schema))
      throw badRequest(`'${param}.input_schema' must be a JSON schema object`, `${param}.input_schema`);
    const fn: FunctionTool["function"] = { name, parameters: schema };
    if (typeof t.description === "string") fn.description = t.description;
    offered.push({ type: "function", function: fn });
  });
  return { offered, ignored };
}

function toolChoice(c: MessagesRequest["tool_choice"], offered: FunctionTool[]): ToolChoice | undefined {
  if (!c) return undefined;
  switch (c.type) {
    case "none":
      return "none";
    case "auto":
      return offered.length ? "auto" : undefined;
    case "any":
      if (!offered.length) throw badRequest("'tool_choice' is 'any' but no tool is offered", "tool_choice");
      return "required";
    case "tool": {
      const name = c.name;
      if (!name || !offered.some((t) => t.function.name === name)) {
        throw badRequest(`'tool_choice.name' must name an offered tool, got '${name ?? ""}'`, "tool_choice.name");
      }
      return { type: "function", function: { name } };
    }
  }
}

/**
 * `output_config.effort` when given, else thinking's budget (< 4096 low, < 16384 medium, else
 * high). `adaptive` and `disabled` leave the model its default.
 */
function effortOf(req: MessagesRequest | CountTokensRequest): string | undefined {
  const effort = req.output_config?.effort;
  if (effort) return effort === "max" ? "high" : effort;
  const thinking = req.thinking;
  if (thinking?.type !== "enabled") return undefined;
  const budget = thinking.budget_tokens ?? 0;
  return budget < 4096 ? "low" : budget < 16384 ? "medium" : "high";
}

function need(b: Json, field: string, param: string): string {
  const v = b[field];
  if (typeof v !== "string" || v === "") throw missingParam(`${param}.${field}`);
  return v;
}

function unknownBlock(b: Json, param: string, who: string) {
  return badRequest(
    `'${param}.type' ${b.type === undefined ? "is missing" : `'${String(b.type)}' is not a block ${who} message can carry here`}`,
    `${param}.type`,
  );
}
