import type { ChatDetails } from "../oci/wire";
import { exampleFromSchema } from "./example-from-schema";

/** What the simulated model decided to say, before it is dressed in OCI's wire shapes. */
export interface SimulatedAnswer {
  text: string;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  promptTokens: number;
  completionTokens: number;
  finishReason: "stop" | "tool_calls" | "length";
  /** The tier OCI says served the request, echoed when the request named one (GENERIC). */
  serviceTier?: string;
  /**
   * How many choices answer (GENERIC `numGenerations`), each of them this answer; the counts
   * above are for all of them together, as OCI counts the tokens of every generation.
   */
  generations: number;
}

type Rec = Record<string, unknown>;

/** Simulated token counts are word counts, for models and agents alike. */
export const wordCount = (s: string) => s.split(/\s+/).filter(Boolean).length;

/**
 * Deterministic answer to an OCI chat request (GENERIC, COHERE or COHEREV2):
 * `[TEST_MODE] Simulated response to: <last user text>`, or a tool call built from the tool's
 * schema when the choice and the conversation call for one (see pickTool), or JSON that
 * satisfies the requested response format.
 */
export function simulateChat(details: ChatDetails): SimulatedAnswer {
  const req = details.chatRequest as unknown as Rec;
  const one = simulateGeneration(req);
  const n = generationsOf(req);
  return { ...one, completionTokens: one.completionTokens * n, generations: n };
}

/** OCI answers one choice per generation asked for; only GENERIC requests can ask for several. */
function generationsOf(req: Rec): number {
  const n = req.apiFormat === "GENERIC" ? req.numGenerations : undefined;
  return typeof n === "number" && n > 1 ? Math.floor(n) : 1;
}

function simulateGeneration(req: Rec): Omit<SimulatedAnswer, "generations"> {
  const { lastUser, lastIsToolResult, allText, received } = readConversation(req);
  const promptTokens = Math.max(1, wordCount(allText));
  const tier = servedTier(req);
  const tool = pickTool(req, lastIsToolResult, lastUser);
  if (tool) {
    const args = JSON.stringify(exampleFromSchema(tool.parameters ?? { type: "object", properties: {} }) ?? {});
    return {
      text: "",
      toolCalls: [{ id: `call_test_${tool.name}`, name: tool.name, arguments: args }],
      promptTokens,
      completionTokens: wordCount(args) + 1,
      finishReason: "tool_calls",
      ...tier,
    };
  }
  let text = `[TEST_MODE] Simulated response to: ${lastUser}${received}${searched(req)}`;
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
      ...tier,
    };
  }
  return {
    text,
    toolCalls: [],
    promptTokens,
    completionTokens: Math.max(1, wordCount(text)),
    finishReason: "stop",
    ...tier,
  };
}

/**
 * OCI echoes the tier that served a request; asked for `AUTO`, the simulated service picks its
 * default one, as OpenAI's own service answers `default`.
 */
function servedTier(req: Rec): { serviceTier?: string } {
  const asked = req.serviceTier;
  if (typeof asked !== "string") return {};
  return { serviceTier: asked === "AUTO" ? "DEFAULT" : asked };
}

/** A note that the simulated model searched the web, as a model given `webSearchOptions` would. */
function searched(req: Rec): string {
  const w = req.webSearchOptions as Rec | undefined;
  if (!w) return "";
  const size = typeof w.searchContextSize === "string" ? w.searchContextSize.toLowerCase() : "medium";
  return ` (searched the web, ${size} context)`;
}

const MEDIA: Record<string, { member: string; noun: string }> = {
  IMAGE: { member: "imageUrl", noun: "image" },
  AUDIO: { member: "audioUrl", noun: "audio" },
  VIDEO: { member: "videoUrl", noun: "video" },
  DOCUMENT: { member: "documentUrl", noun: "document" },
};

/**
 * What the user attached besides text, as the simulated model acknowledges it:
 * ` (received document application/pdf 1.2 KB, audio audio/wav 10 KB)`. Images only count when
 * something else came with them, so image answers read as they always did.
 */
function receivedMedia(parts: Rec[]): string {
  const seen: string[] = [];
  let other = false;
  for (const p of parts) {
    const m = MEDIA[String(p.type)];
    if (!m) continue;
    const url = String(((p[m.member] as Rec | undefined)?.url as string | undefined) ?? "");
    const comma = url.indexOf(",");
    const type = url.startsWith("data:") ? url.slice(5, url.indexOf(";")) : "remote";
    const kb = comma < 0 ? 0 : ((url.length - comma - 1) * 0.75) / 1024;
    seen.push(`${m.noun} ${type} ${kb.toFixed(1)} KB`);
    if (p.type !== "IMAGE") other = true;
  }
  return other ? ` (received ${seen.join(", ")})` : "";
}

/**
 * The words the user wrote: text inside `<system-reminder>` tags is context a coding agent (Claude
 * Code) adds to the user's turn, not the user's request, so it is neither echoed nor searched
 * for tool names.
 */
export function userWords(text: string): string {
  if (!text.includes("<system-reminder>")) return text;
  return text.replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, "").trim();
}

interface Conversation {
  lastUser: string;
  lastIsToolResult: boolean;
  allText: string;
  /** What the last user turn attached besides text (GENERIC), as the answer mentions it. */
  received: string;
}

function readConversation(req: Rec): Conversation {
  if (req.apiFormat === "COHERE") {
    const history = (req.chatHistory as Rec[] | undefined) ?? [];
    const all = [
      String(req.preambleOverride ?? ""),
      ...history.map((h) => String(h.message ?? "")),
      String(req.message ?? ""),
    ].join(" ");
    // A turn that carries tool results has an empty message: the user last spoke in the history.
    const message = String(req.message ?? "");
    const spoke = message || String([...history].reverse().find((h) => h.role === "USER")?.message ?? "");
    return {
      lastUser: userWords(spoke),
      lastIsToolResult: Array.isArray(req.toolResults) && req.toolResults.length > 0,
      allText: all,
      received: "",
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
    lastUser: lastUserMsg ? userWords(textOf(lastUserMsg)) : "",
    lastIsToolResult: last?.role === "TOOL",
    allText: messages.map(textOf).join(" "),
    received: lastUserMsg ? receivedMedia((lastUserMsg.content as Rec[] | undefined) ?? []) : "",
  };
}

/**
 * Which tool the simulated model calls, if any. A named or required choice, or a single offered
 * tool, is called (never right after a tool result). With several tools and `auto`, as a model
 * offered a coding agent's two dozen tools would, it calls the tool whose name, or a word of at
 * least 4 letters in it, appears in the last user text, and otherwise answers in text: so "say
 * hello" gets text and "what's the weather" gets `get_weather` (docs/operations.md#test_mode).
 */
function pickTool(
  req: Rec,
  lastIsToolResult: boolean,
  lastUser: string,
): { name: string; parameters?: unknown } | undefined {
  if (lastIsToolResult) return undefined;
  const tools = (req.tools as Rec[] | undefined) ?? [];
  if (tools.length === 0) return undefined;
  const choice = (req.toolChoice as Rec | undefined)?.type ?? (req.toolsChoice as string | undefined);
  if (choice === "NONE") return undefined;
  const nameOf = (t: Rec) => String(t.name ?? (t.function as Rec | undefined)?.name ?? "");
  const named = (req.toolChoice as Rec | undefined)?.name;
  const mentioned = tools.find((t) => mentions(lastUser, nameOf(t)));
  const t =
    (named ? tools.find((x) => nameOf(x) === named) : undefined) ??
    mentioned ??
    (tools.length === 1 || choice === "REQUIRED" ? tools[0] : undefined);
  if (!t) return undefined;
  const fn = (t.function as Rec | undefined) ?? t;
  return { name: String(fn.name), parameters: fn.parameters ?? cohereParamsToSchema(t.parameterDefinitions) };
}

/** The tool's name, or one of its words of 4+ letters (split on _ - . and camelCase), as a word of the text. */
export function mentions(text: string, toolName: string): boolean {
  const lower = text.toLowerCase();
  const words = toolName
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[\s_.-]+/)
    .filter((w) => w.length >= 4);
  return [toolName, ...words].some((w) => new RegExp(`\\b${escapeRegex(w.toLowerCase())}\\b`).test(lower));
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Cohere v1 `parameterDefinitions` back to a JSON schema, as a model reads them: Python-style
 * types (`str`, `int`, `float`, `bool`, `Dict`, `List`, `List[str]`…), required flags, and what
 * the gateway wrote into the description when the type could not say it (chat/formats/
 * cohere-parameter-definitions.ts): the whole JSON schema, or an enum's values.
 */
function cohereParamsToSchema(defs: unknown): unknown {
  if (typeof defs !== "object" || defs === null) return undefined;
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [k, v] of Object.entries(defs as Record<string, Rec>)) {
    const description = typeof v.description === "string" ? v.description : "";
    properties[k] = schemaInDescription(description) ?? withEnum(cohereTypeSchema(String(v.type)), description);
    if (v.isRequired === true) required.push(k);
  }
  return { type: "object", properties, ...(required.length ? { required } : {}) };
}

const COHERE_SCALARS: Record<string, string> = { str: "string", int: "integer", float: "number", bool: "boolean" };

function cohereTypeSchema(type: string): Rec {
  const list = /^List(?:\[(\w+)\])?$/i.exec(type);
  if (list) return list[1] ? { type: "array", items: cohereTypeSchema(list[1]) } : { type: "array" };
  if (/^Dict/i.test(type)) return { type: "object" };
  if (type === "None") return { type: "null" };
  return { type: COHERE_SCALARS[type] ?? "string" };
}

/** `… JSON schema: {…}` at the end of a description: the parameter's own schema. */
function schemaInDescription(description: string): Rec | undefined {
  const at = description.lastIndexOf("JSON schema: {");
  if (at < 0) return undefined;
  try {
    const schema = JSON.parse(description.slice(at + "JSON schema: ".length)) as unknown;
    return typeof schema === "object" && schema !== null ? (schema as Rec) : undefined;
  } catch {
    return undefined;
  }
}

/** `One of: "a", "b".` in a description: the values, as an enum (the first end that parses). */
function withEnum(schema: Rec, description: string): Rec {
  const at = description.indexOf("One of: ");
  if (at < 0) return schema;
  const rest = description.slice(at + "One of: ".length);
  for (let end = rest.indexOf("."); end >= 0; end = rest.indexOf(".", end + 1)) {
    try {
      const values = JSON.parse(`[${rest.slice(0, end)}]`) as unknown[];
      if (values.length) return { ...schema, enum: values };
    } catch {}
  }
  return schema;
}

function jsonFormat(req: Rec): { schema?: unknown } | undefined {
  const f = req.responseFormat as Rec | undefined;
  if (!f) return undefined;
  if (f.type === "JSON_OBJECT") return { schema: f.schema };
  if (f.type === "JSON_SCHEMA") return { schema: (f.jsonSchema as Rec | undefined)?.schema };
  return undefined;
}
