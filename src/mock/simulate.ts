import type { ChatDetails } from "../oci/wire";
import { exampleFromSchema } from "./example-from-schema";

/** What the simulated model decided to say, before it is dressed in OCI's wire shapes. */
export interface SimulatedAnswer {
  text: string;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  promptTokens: number;
  completionTokens: number;
  finishReason: "stop" | "tool_calls" | "length";
}

type Rec = Record<string, unknown>;

const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

/**
 * Deterministic answer to an OCI chat request (GENERIC, COHERE or COHEREV2):
 * `[TEST_MODE] Simulated response to: <last user text>`, or a tool call built from the tool's
 * schema when tools are offered, the choice allows it and the last turn is not a tool result,
 * or JSON that satisfies the requested response format.
 */
export function simulateChat(details: ChatDetails): SimulatedAnswer {
  const req = details.chatRequest as unknown as Rec;
  const { lastUser, lastIsToolResult, allText } = readConversation(req);
  const promptTokens = Math.max(1, words(allText));
  const tool = pickTool(req, lastIsToolResult);
  if (tool) {
    const args = JSON.stringify(exampleFromSchema(tool.parameters ?? { type: "object", properties: {} }) ?? {});
    return {
      text: "",
      toolCalls: [{ id: `call_test_${tool.name}`, name: tool.name, arguments: args }],
      promptTokens,
      completionTokens: words(args) + 1,
      finishReason: "tool_calls",
    };
  }
  let text = `[TEST_MODE] Simulated response to: ${lastUser}`;
  const json = jsonFormat(req);
  if (json) text = JSON.stringify(json.schema ? exampleFromSchema(json.schema) : { response: text });
  const limit = (req.maxTokens ?? req.maxCompletionTokens) as number | undefined;
  const tokens = text.split(/(?<=\s)/);
  if (limit !== undefined && tokens.length > limit && !json) {
    return {
      text: tokens.slice(0, limit).join(""),
      toolCalls: [],
      promptTokens,
      completionTokens: limit,
      finishReason: "length",
    };
  }
  return { text, toolCalls: [], promptTokens, completionTokens: Math.max(1, words(text)), finishReason: "stop" };
}

function readConversation(req: Rec): { lastUser: string; lastIsToolResult: boolean; allText: string } {
  if (req.apiFormat === "COHERE") {
    const history = (req.chatHistory as Rec[] | undefined) ?? [];
    const all = [
      String(req.preambleOverride ?? ""),
      ...history.map((h) => String(h.message ?? "")),
      String(req.message ?? ""),
    ].join(" ");
    return {
      lastUser: String(req.message ?? ""),
      lastIsToolResult: Array.isArray(req.toolResults) && req.toolResults.length > 0,
      allText: all,
    };
  }
  const messages = (req.messages as Rec[] | undefined) ?? [];
  const textOf = (m: Rec) =>
    ((m.content as Rec[] | undefined) ?? [])
      .filter((p) => p.type === "TEXT")
      .map((p) => String(p.text ?? ""))
      .join(" ");
  const lastUserMsg = [...messages].reverse().find((m) => m.role === "USER");
  const last = messages[messages.length - 1];
  return {
    lastUser: lastUserMsg ? textOf(lastUserMsg) : "",
    lastIsToolResult: last?.role === "TOOL",
    allText: messages.map(textOf).join(" "),
  };
}

function pickTool(req: Rec, lastIsToolResult: boolean): { name: string; parameters?: unknown } | undefined {
  if (lastIsToolResult) return undefined;
  const tools = (req.tools as Rec[] | undefined) ?? [];
  if (tools.length === 0) return undefined;
  const choice = (req.toolChoice as Rec | undefined)?.type ?? (req.toolsChoice as string | undefined);
  if (choice === "NONE") return undefined;
  const named = (req.toolChoice as Rec | undefined)?.name;
  const t =
    (named ? tools.find((x) => (x.name ?? (x.function as Rec | undefined)?.name) === named) : undefined) ?? tools[0]!;
  const fn = (t.function as Rec | undefined) ?? t;
  return { name: String(fn.name), parameters: fn.parameters ?? cohereParamsToSchema(t.parameterDefinitions) };
}

function cohereParamsToSchema(defs: unknown): unknown {
  if (typeof defs !== "object" || defs === null) return undefined;
  const typeMap: Record<string, string> = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    list: "array",
    dict: "object",
  };
  const properties: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(defs as Record<string, Rec>))
    properties[k] = { type: typeMap[String(v.type)] ?? "string" };
  return { type: "object", properties };
}

function jsonFormat(req: Rec): { schema?: unknown } | undefined {
  const f = req.responseFormat as Rec | undefined;
  if (!f) return undefined;
  if (f.type === "JSON_OBJECT") return { schema: f.schema };
  if (f.type === "JSON_SCHEMA") return { schema: (f.jsonSchema as Rec | undefined)?.schema };
  return undefined;
}
