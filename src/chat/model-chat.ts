import type { ModelAlias } from "../config/types";
import { badRequest } from "../errors/api-error";
import type { ChatCompletionRequest } from "../families/openai/schemas";
import type { ChatCompletion, ChatCompletionChunk } from "../families/openai/types";
import type { Logger } from "../observability/logger";
import type { ModelTarget } from "../oci/model-target";
import { resolveModelTarget } from "../oci/resolve-model-target";
import type { OciTransport } from "../oci/transport";
import type { ChatDetails } from "../oci/wire";
import { CohereStreamMapper } from "./formats/cohere-stream-mapper";
import { CohereV2StreamMapper } from "./formats/cohere-v2-stream-mapper";
import { convertToCohereChatRequest } from "./formats/convert-to-cohere-chat-request";
import { convertToCohereV2ChatRequest } from "./formats/convert-to-cohere-v2-chat-request";
import { convertToGenericChatRequest } from "./formats/convert-to-generic-chat-request";
import { GenericStreamMapper } from "./formats/generic-stream-mapper";
import { mapCohereChatResponse } from "./formats/map-cohere-chat-response";
import { mapCohereV2ChatResponse } from "./formats/map-cohere-v2-chat-response";
import { type CompletionMeta, mapGenericChatResponse } from "./formats/map-generic-chat-response";
import type { StreamMapper } from "./formats/stream-mapper";
import type { Outcome } from "./outcome";

export interface ChatCall {
  alias: ModelAlias;
  request: ChatCompletionRequest;
  requestId: string;
  signal: AbortSignal;
  log?: Logger;
}

export type ChatOutcome = Outcome<ChatCompletion, ChatCompletionChunk>;

export function newCompletionMeta(alias: string, prefix = "chatcmpl"): CompletionMeta {
  return {
    id: `${prefix}-${crypto.randomUUID().replaceAll("-", "")}`,
    created: Math.floor(Date.now() / 1000),
    model: alias,
  };
}

/** The three OCI chat formats, each a converter, a response mapper and a stream mapper. */
interface Format {
  convert(
    req: ChatCompletionRequest,
    target: ModelTarget,
    alias: ModelAlias,
    stream: boolean,
  ): ChatDetails["chatRequest"];
  map(body: unknown, meta: CompletionMeta): ChatCompletion;
  stream(meta: CompletionMeta, includeUsage: boolean): StreamMapper;
}

const FORMATS: Record<ModelTarget["format"], Format> = {
  GENERIC: {
    convert: (req, target, alias, stream) => convertToGenericChatRequest(req, target, alias.params, stream),
    map: mapGenericChatResponse,
    stream: (meta, includeUsage) => new GenericStreamMapper(meta, includeUsage),
  },
  COHERE: {
    convert: (req, _target, alias, stream) => convertToCohereChatRequest(req, alias.params, stream),
    map: mapCohereChatResponse,
    stream: (meta, includeUsage) => new CohereStreamMapper(meta, includeUsage),
  },
  COHEREV2: {
    convert: (req, _target, alias, stream) => convertToCohereV2ChatRequest(req, alias.params, stream),
    map: mapCohereV2ChatResponse,
    stream: (meta, includeUsage) => new CohereV2StreamMapper(meta, includeUsage),
  },
};

/** One chat completion against the model behind `alias`, streamed or not. No HTTP context here. */
export async function createChatCompletion(transport: OciTransport, call: ChatCall): Promise<ChatOutcome> {
  const { alias, request } = call;
  if (alias.type === "agent")
    throw badRequest(`'${alias.alias}' is an agent alias, which is answered through its sessions`, "model");
  const opts = { signal: call.signal, requestId: call.requestId };
  const target = await resolveModelTarget(transport, alias, opts, call.log);
  const format = FORMATS[target.format];
  const stream = request.stream === true;
  const details: ChatDetails = {
    compartmentId: alias.compartmentId!,
    servingMode: target.servingMode,
    chatRequest: format.convert(request, target, alias, stream),
  };
  const where = { region: alias.region, endpoint: alias.endpoint };
  const meta = newCompletionMeta(alias.alias);
  if (!stream) {
    const reply = await transport.chat(where, details, opts);
    return { kind: "json", body: format.map(reply.body, meta), ociRequestId: reply.opcRequestId };
  }
  const upstream = await transport.chatStream(where, details, opts);
  const mapper = format.stream(meta, request.stream_options?.include_usage === true);
  async function* chunks(): AsyncGenerator<ChatCompletionChunk> {
    yield mapper.start();
    for await (const ev of upstream.events) yield* mapper.push(ev);
    yield* mapper.end();
  }
  return {
    kind: "stream",
    chunks: chunks(),
    ociRequestId: upstream.opcRequestId,
    cancel: upstream.cancel,
    usage: () => mapper.usage,
  };
}
