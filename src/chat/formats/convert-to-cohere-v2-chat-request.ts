import type { AliasParams } from "../../config/types";
import { badRequest, unsupportedParam } from "../../errors/api-error";
import type { CohereChatRequestV2, CohereMessageV2 } from "../../oci/wire";
import type { ChatMessage, ChatRequest, ContentPart } from "../types";
import { cohereResponseFormat } from "./cohere-response-format";
import { cohereSampling } from "./cohere-sampling";
import { imagePartUrl } from "./image-part-url";
import { dataUrlMediaType } from "./media-kind";
import { isToolMedia, toolMediaNote } from "./message-text";
import { rejectUnsupportedParams, whenSet } from "./reject-unsupported-params";
import { dropCohereExtras } from "./request-extras";
import { requireToolCallId } from "./require-tool-call-id";
import { mergeSampling } from "./sampling-params";
import { DEFAULT_MAX_SCHEMA_NODES } from "./simplify-json-schema";
import { toolParameters } from "./tool-parameters";

/**
 * OpenAI chat → OCI COHEREV2 (Cohere's v2 message API, used by Cohere vision models): messages
 * keep their roles with TEXT/IMAGE_URL content, tool calls keep their ids, tools are nested
 * `FUNCTION` objects. Pure.
 */
export function convertToCohereV2ChatRequest(
  req: ChatRequest,
  defaults: AliasParams,
  stream: boolean,
  maxSchemaNodes = DEFAULT_MAX_SCHEMA_NODES,
): CohereChatRequestV2 {
  rejectUnsupportedParams(req, "COHEREV2", [
    ["n", (v) => v !== 1, "return one choice (n must be 1)"],
    ["logprobs", (v) => v === true, "return no OpenAI-style log probabilities"],
    ["top_logprobs", whenSet, "return no OpenAI-style log probabilities"],
    ["logit_bias", whenSet, "take no logit_bias"],
    ["parallel_tool_calls", (v) => v === false, "may always call several tools at once"],
    ["verbosity", whenSet, "take no verbosity"],
  ]);
  dropCohereExtras(req, "COHEREV2");
  const s = mergeSampling({ ...req, verbosity: undefined }, { ...defaults, verbosity: undefined });
  const out: CohereChatRequestV2 = {
    apiFormat: "COHEREV2",
    messages: withSystemFirst(req.messages),
    maxTokens: s.maxTokens,
    isStream: stream,
    ...cohereSampling(s, req, stream),
  };
  // Cohere v2 models think by default; OpenAI's "none" is how a client turns that off.
  if (s.reasoningEffort !== undefined)
    out.thinking = { type: (s.reasoningEffort === "NONE" ? "DISABLED" : "ENABLED") as never };
  if (req.tools?.length) {
    out.tools = req.tools.map((t, i) => ({
      type: "FUNCTION" as never,
      function: {
        name: t.function.name,
        description: t.function.description,
        parameters: toolParameters(t, i, maxSchemaNodes),
      },
    }));
  }
  if (req.tool_choice !== undefined) {
    const c = req.tool_choice;
    if (typeof c === "object")
      throw unsupportedParam("tool_choice", "COHEREV2 models cannot be forced to one named function (use 'required')");
    if (c === "required") out.toolsChoice = "REQUIRED" as never;
    if (c === "none") out.toolsChoice = "NONE" as never;
  }
  if (req.response_format) out.responseFormat = cohereResponseFormat(req.response_format, maxSchemaNodes);
  return out;
}

type Part = { type: "TEXT"; text: string } | { type: "IMAGE_URL"; imageUrl: { url: string; detail?: string } };

const isSystem = (m: ChatMessage) => m.role === "system" || m.role === "developer";

/**
 * The messages with every system/developer message gathered into one leading SYSTEM message (its
 * preamble), in order: clients such as Claude Code put system reminders mid-list and last, and a
 * Cohere model answers the latest user turn (docs/api/openai.md#cohere).
 */
function withSystemFirst(messages: ChatMessage[]): CohereMessageV2[] {
  const system: Part[] = [];
  const rest: CohereMessageV2[] = [];
  messages.forEach((m, i) => {
    if (isSystem(m)) system.push(...parts(m.content, `messages[${i}].content`, false));
    else rest.push(convertMessage(m, i));
  });
  return system.length ? [{ role: "SYSTEM", content: system } as CohereMessageV2, ...rest] : rest;
}

function convertMessage(m: ChatMessage, i: number): CohereMessageV2 {
  const param = `messages[${i}]`;
  switch (m.role) {
    case "system":
    case "developer":
      return { role: "SYSTEM", content: parts(m.content, `${param}.content`, false) } as CohereMessageV2;
    case "user":
      return { role: "USER", content: parts(m.content, `${param}.content`, true) } as CohereMessageV2;
    case "assistant": {
      const msg: Record<string, unknown> = { role: "ASSISTANT" };
      const content =
        m.content == null
          ? []
          : parts(m.content, `${param}.content`, false).filter((p) => p.type !== "TEXT" || p.text !== "");
      if (content.length) msg.content = content;
      if (m.tool_calls?.length)
        msg.toolCalls = m.tool_calls.map((c) => ({
          id: c.id,
          type: "FUNCTION",
          function: { name: c.function.name, arguments: c.function.arguments },
        }));
      if (!msg.content && !msg.toolCalls) msg.content = [{ type: "TEXT", text: "" }];
      return msg as unknown as CohereMessageV2;
    }
    case "tool":
      return {
        role: "TOOL",
        toolCallId: requireToolCallId(m, i),
        content: parts(m.content, `${param}.content`, false),
      } as CohereMessageV2;
    default: {
      const never: never = m.role;
      throw badRequest(`Unknown role ${String(never)}`, `${param}.role`);
    }
  }
}

function parts(content: ChatMessage["content"], param: string, images: boolean): Part[] {
  if (content == null) return [{ type: "TEXT", text: "" }];
  if (typeof content === "string") return [{ type: "TEXT", text: content }];
  return content.map((p, j) => {
    if (p.type === "text") return { type: "TEXT", text: p.text };
    if (isToolMedia(p) && !(images && isImage(p))) return { type: "TEXT", text: toolMediaNote(p) };
    if (!images)
      throw badRequest(`'${param}[${j}]': only text parts are allowed in this message role`, `${param}[${j}]`);
    return { type: "IMAGE_URL", imageUrl: imageOf(p, `${param}[${j}]`) };
  });
}

/** An image part, or a file part holding an image: what COHEREV2 models see. */
function isImage(p: Exclude<ContentPart, { type: "text" }>): boolean {
  if (p.type === "image_url") return true;
  const data = p.type === "file" ? p.file.file_data : undefined;
  return data !== undefined && (dataUrlMediaType(data)?.startsWith("image/") ?? false);
}

/** COHEREV2 models see images only: audio, video and documents are refused by their place. */
function imageOf(p: Exclude<ContentPart, { type: "text" }>, param: string): { url: string; detail?: string } {
  if (p.type === "image_url") return imagePartUrl(p, param);
  const data = p.type === "file" ? p.file.file_data : undefined;
  const type = data ? dataUrlMediaType(data) : undefined;
  if (data && type?.startsWith("image/")) return { url: data };
  throw badRequest(
    `'${param}': COHEREV2 models take text and images only (${type ? `this file is ${type}` : p.type === "input_audio" ? "this is audio" : "this file is not an image"})`,
    param,
    "unsupported_content",
  );
}
