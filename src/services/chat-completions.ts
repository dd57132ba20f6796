import type { ModelAlias } from "../config/types";
import { ApiError, badRequest } from "../errors/api-error";
import { describeModel } from "../openai/describe-model";
import { convertToGenericChatRequest } from "../openai/convert-to-generic-chat-request";
import { GenericStreamMapper } from "../openai/generic-stream-mapper";
import { mapGenericChatResponse, type CompletionMeta } from "../openai/map-generic-chat-response";
import type { ChatCompletionRequest } from "../openai/schemas";
import type { ChatCompletion, ChatCompletionChunk, Usage } from "../openai/types";
import type { OciTransport } from "../oci/transport";
import type { ChatDetails, GenericChatRequest } from "../oci/wire";

export interface ChatCall {
  alias: ModelAlias;
  request: ChatCompletionRequest;
  requestId: string;
  signal: AbortSignal;
}

export type ChatOutcome =
  | { kind: "json"; body: ChatCompletion; ociRequestId?: string }
  | { kind: "stream"; chunks: AsyncIterable<ChatCompletionChunk>; ociRequestId?: string; cancel(): void; usage(): Usage | undefined };

export function newCompletionMeta(alias: string, prefix = "chatcmpl"): CompletionMeta {
  return { id: `${prefix}-${crypto.randomUUID().replaceAll("-", "")}`, created: Math.floor(Date.now() / 1000), model: alias };
}

/** One chat completion against the model behind `alias`, streamed or not. No HTTP context here. */
export async function createChatCompletion(transport: OciTransport, call: ChatCall): Promise<ChatOutcome> {
  const { alias, request } = call;
  if (alias.type === "agent") {
    throw badRequest(`'${alias.alias}' is an agent alias; agent sessions on the OpenAI routes are not available in this version`, "model");
  }
  const target = describeModel(alias);
  const stream = request.stream === true;
  let chatRequest: GenericChatRequest;
  switch (target.format) {
    case "GENERIC":
      chatRequest = convertToGenericChatRequest(request, target, alias.params, stream);
      break;
    case "COHERE":
    case "COHEREV2":
      throw new ApiError(400, `Alias '${alias.alias}' uses the ${target.format} format, which this version cannot translate yet`, {
        type: "invalid_request_error",
        param: "model",
        code: "unsupported_model_format",
      });
    default: {
      const never: never = target.format;
      throw new Error(`unhandled format ${String(never)}`);
    }
  }
  const details: ChatDetails = { compartmentId: alias.compartmentId!, servingMode: target.servingMode, chatRequest };
  const where = { region: alias.region, endpoint: alias.endpoint };
  const opts = { signal: call.signal, requestId: call.requestId };
  const meta = newCompletionMeta(alias.alias);
  if (!stream) {
    const reply = await transport.chat(where, details, opts);
    return { kind: "json", body: mapGenericChatResponse(reply.body, meta), ociRequestId: reply.opcRequestId };
  }
  const upstream = await transport.chatStream(where, details, opts);
  const mapper = new GenericStreamMapper(meta, request.stream_options?.include_usage === true);
  async function* chunks(): AsyncGenerator<ChatCompletionChunk> {
    yield mapper.start();
    for await (const ev of upstream.events) yield* mapper.push(ev);
    yield* mapper.end();
  }
  return { kind: "stream", chunks: chunks(), ociRequestId: upstream.opcRequestId, cancel: upstream.cancel, usage: () => mapper.usage };
}
