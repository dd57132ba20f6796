import type { AliasParams } from "../../config/types";
import { badRequest } from "../../errors/api-error";
import type { ModelTarget } from "../../oci/model-target";
import type { GenericChatRequest, OciChatContent, OciMessage } from "../../oci/wire";
import type { ChatMessage, ChatRequest } from "../types";
import { genericUserPart } from "./generic-user-content";
import { ociResponseFormat } from "./oci-response-format";
import { addGenericExtras } from "./request-extras";
import { requireToolCallId } from "./require-tool-call-id";
import { mergeSampling } from "./sampling-params";
import { DEFAULT_MAX_SCHEMA_NODES, simplifyJsonSchema } from "./simplify-json-schema";
import { toolParameters } from "./tool-parameters";

/** OpenAI chat request → OCI GENERIC chat request. Pure; throws ApiError(400) naming the parameter. */
export function convertToGenericChatRequest(
  req: ChatRequest,
  target: ModelTarget,
  defaults: AliasParams,
  stream: boolean,
  maxSchemaNodes = DEFAULT_MAX_SCHEMA_NODES,
): GenericChatRequest {
  const s = mergeSampling(
    target.reasonsNever && req.preferred_reasoning_effort !== undefined
      ? { ...req, preferred_reasoning_effort: undefined }
      : req,
    defaults,
  );
  const out: GenericChatRequest = {
    apiFormat: "GENERIC",
    messages: req.messages.map((m, i) => convertMessage(m, i, target)),
    temperature: s.temperature,
    topP: s.topP,
    topK: s.topK,
    frequencyPenalty: s.frequencyPenalty,
    presencePenalty: s.presencePenalty,
    reasoningEffort: s.reasoningEffort,
    verbosity: s.verbosity,
    seed: req.seed,
    numGenerations: req.n,
    stop: req.stop == null ? undefined : typeof req.stop === "string" ? [req.stop] : req.stop,
    logitBias: req.logit_bias,
    isStream: stream,
  };
  if (target.usesMaxCompletionTokens) out.maxCompletionTokens = s.maxTokens;
  else out.maxTokens = s.maxTokens;
  if (stream) out.streamOptions = { isIncludeUsage: true };
  if (req.logprobs) out.logProbs = Math.max(req.top_logprobs ?? 0, 1);
  else if (req.top_logprobs !== undefined)
    throw badRequest("'top_logprobs' requires 'logprobs' to be true", "top_logprobs", "invalid_value");
  if (req.tools?.length) {
    out.tools = req.tools.map((tool, i) => ({
      type: "FUNCTION",
      name: tool.function.name,
      description: tool.function.description,
      parameters: toolParameters(tool, i, maxSchemaNodes),
    }));
  }
  if (req.tool_choice !== undefined) {
    if (!req.tools?.length && req.tool_choice !== "none")
      throw badRequest("'tool_choice' needs 'tools'", "tool_choice");
    const c = req.tool_choice;
    out.toolChoice =
      c === "auto"
        ? { type: "AUTO" }
        : c === "none"
          ? { type: "NONE" }
          : c === "required"
            ? { type: "REQUIRED" }
            : { type: "FUNCTION", name: c.function.name };
    if (typeof c === "object" && !req.tools?.some((t) => t.function.name === c.function.name)) {
      throw badRequest(`'tool_choice' names function '${c.function.name}', which is not in 'tools'`, "tool_choice");
    }
  }
  if (req.parallel_tool_calls !== undefined) out.isParallelToolCalls = req.parallel_tool_calls;
  if (req.response_format) {
    out.responseFormat = ociResponseFormat(req.response_format, (s) => ({
      type: "JSON_SCHEMA",
      jsonSchema: {
        name: s.name,
        description: s.description,
        schema:
          s.schema === undefined
            ? undefined
            : simplifyJsonSchema(s.schema, "response_format.json_schema.schema", maxSchemaNodes),
        isStrict: s.strict ?? undefined,
      },
    }));
  }
  addGenericExtras(req, out);
  return dropUndefined(out);
}

function convertMessage(m: ChatMessage, i: number, target: ModelTarget): OciMessage {
  const param = `messages[${i}]`;
  switch (m.role) {
    case "system":
    case "developer":
      return withName(
        { role: m.role === "system" ? "SYSTEM" : "DEVELOPER", content: textOnly(m.content, `${param}.content`) },
        m.name,
      );
    case "user":
      return withName({ role: "USER", content: contentParts(m.content, `${param}.content`) }, m.name);
    case "assistant": {
      const text = m.content == null ? undefined : textOnly(m.content, `${param}.content`);
      const msg: Record<string, unknown> = { role: "ASSISTANT" };
      if (text?.some((p) => (p as { text?: string }).text !== "")) msg.content = text;
      if (m.tool_calls?.length) {
        msg.toolCalls = m.tool_calls.map((c) => ({
          id: c.id,
          type: "FUNCTION",
          name: c.function.name,
          arguments: c.function.arguments,
        }));
      }
      if (m.reasoning_content) msg.reasoningContent = m.reasoning_content;
      // A tool-call turn has no text. OCI's SDK leaves `content` out then; Meta's models reject
      // that pairing, so they get a minimal text, as OCI's own LangChain integration does.
      if (!msg.content && msg.toolCalls && target.needsAssistantText) msg.content = [{ type: "TEXT", text: "." }];
      if (!msg.content && !msg.toolCalls) msg.content = [{ type: "TEXT", text: "" }];
      return withName(msg as unknown as OciMessage, m.name);
    }
    case "tool":
      return {
        role: "TOOL",
        toolCallId: requireToolCallId(m, i),
        content: textOnly(m.content, `${param}.content`),
      } as OciMessage;
    default: {
      const never: never = m.role;
      throw badRequest(`Unknown role '${String(never)}'`, `${param}.role`);
    }
  }
}

function withName(msg: OciMessage, name: string | undefined): OciMessage {
  return name ? ({ ...msg, name } as OciMessage) : msg;
}

function textOnly(content: ChatMessage["content"], param: string): OciChatContent[] {
  if (content == null) return [{ type: "TEXT", text: "" } as OciChatContent];
  if (typeof content === "string") return [{ type: "TEXT", text: content } as OciChatContent];
  return content.map((p, j) => {
    if (p.type !== "text")
      throw badRequest(`'${param}[${j}]': only text parts are allowed in this message role`, `${param}[${j}]`);
    return { type: "TEXT", text: p.text } as OciChatContent;
  });
}

function contentParts(content: ChatMessage["content"], param: string): OciChatContent[] {
  if (content == null || typeof content === "string") return textOnly(content, param);
  return content.map((p, j) => genericUserPart(p, `${param}[${j}]`));
}

/** OCI ignores nulls but a clean body keeps signatures and logs readable. */
function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}
