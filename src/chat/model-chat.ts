import type { ModelAlias } from "../config/types";
import { badRequest } from "../errors/api-error";
import { withRequestId } from "../errors/upstream-error";
import type { Logger } from "../observability/logger";
import type { ModelTarget } from "../oci/model-target";
import { resolveModelTarget } from "../oci/resolve-model-target";
import type { OciTransport } from "../oci/transport";
import type { ChatDetails } from "../oci/wire";
import { estimateInputTokens } from "./estimate-tokens";
import { CohereStreamMapper } from "./formats/cohere-stream-mapper";
import { CohereV2StreamMapper } from "./formats/cohere-v2-stream-mapper";
import { convertToCohereChatRequest } from "./formats/convert-to-cohere-chat-request";
import { convertToCohereV2ChatRequest } from "./formats/convert-to-cohere-v2-chat-request";
import { convertToGenericChatRequest } from "./formats/convert-to-generic-chat-request";
import { GenericStreamMapper } from "./formats/generic-stream-mapper";
import { mapCohereChatResponse } from "./formats/map-cohere-chat-response";
import { mapCohereV2ChatResponse } from "./formats/map-cohere-v2-chat-response";
import { mapGenericChatResponse } from "./formats/map-generic-chat-response";
import { DEFAULT_MAX_SCHEMA_NODES } from "./formats/simplify-json-schema";
import type { StreamMapper } from "./formats/stream-mapper";
import { type ChatOutcome, chatStream, newAnswerId } from "./outcome";
import type { ChatAnswer, ChatRequest } from "./types";

export interface ModelChatCall {
  alias: ModelAlias;
  request: ChatRequest;
  requestId: string;
  signal: AbortSignal;
  log?: Logger;
  /** Set when a pool calls this model as one of its members (see oci/transport.ts CallOptions). */
  deadlineAt?: number;
  moveOnWhenThrottled?: boolean;
}

/** The three OCI chat formats, each a converter, a response mapper and a stream mapper. */
interface Format {
  convert(
    req: ChatRequest,
    target: ModelTarget,
    alias: ModelAlias,
    stream: boolean,
    maxSchemaNodes: number,
  ): ChatDetails["chatRequest"];
  map(body: unknown): ChatAnswer;
  stream(answerId: string): StreamMapper;
}

const FORMATS: Record<ModelTarget["format"], Format> = {
  GENERIC: {
    convert: (req, target, alias, stream, max) => convertToGenericChatRequest(req, target, alias.params, stream, max),
    map: mapGenericChatResponse,
    stream: (id) => new GenericStreamMapper(id),
  },
  COHERE: {
    convert: (req, _target, alias, stream, max) => convertToCohereChatRequest(req, alias.params, stream, max),
    map: mapCohereChatResponse,
    stream: (id) => new CohereStreamMapper(id),
  },
  COHEREV2: {
    convert: (req, _target, alias, stream, max) => convertToCohereV2ChatRequest(req, alias.params, stream, max),
    map: mapCohereV2ChatResponse,
    stream: (id) => new CohereV2StreamMapper(id),
  },
};

/** One chat call to the OCI model behind a model alias, streamed or not. */
export async function runModelChat(
  transport: OciTransport,
  call: ModelChatCall,
  maxSchemaNodes = DEFAULT_MAX_SCHEMA_NODES,
): Promise<ChatOutcome> {
  const { alias, request } = call;
  if (alias.type !== "model")
    throw badRequest(
      `'${alias.alias}' is ${alias.type === "agent" ? "an agent" : "a pool"} alias, not one model`,
      "model",
    );
  const opts = {
    signal: call.signal,
    requestId: call.requestId,
    deadlineAt: call.deadlineAt,
    moveOnWhenThrottled: call.moveOnWhenThrottled,
  };
  const target = await resolveModelTarget(transport, alias, opts, call.log);
  const format = FORMATS[target.format];
  const stream = request.stream === true;
  const details: ChatDetails = {
    compartmentId: alias.compartmentId!,
    servingMode: target.servingMode,
    chatRequest: format.convert(request, target, alias, stream, maxSchemaNodes),
  };
  const where = { region: alias.region, endpoint: alias.endpoint };
  if (!stream) {
    const reply = await transport.chat(where, details, opts);
    const answer = withRequestId(reply.opcRequestId, () => format.map(reply.body));
    return { kind: "answer", answer, ociRequestId: reply.opcRequestId };
  }
  const upstream = await transport.chatStream(where, details, opts);
  const side = { ociRequestId: upstream.opcRequestId, cancel: upstream.cancel, inputTokens: 0 };
  // For a stream cut short before OCI reports its usage: estimated in a later turn, off the way
  // of the first event, and kept as a number so the stream does not hold the request.
  setImmediate(() => {
    side.inputTokens = estimateInputTokens(request);
  });
  return chatStream(upstream.events, side, format.stream(newAnswerId()));
}
