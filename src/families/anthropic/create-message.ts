import type { ChatService } from "../../chat/chat-service";
import { estimateInputTokens } from "../../chat/estimate-tokens";
import type { ChatStream } from "../../chat/outcome";
import { RequestOrigins } from "../../chat/request-origins";
import type { ChatEvent } from "../../chat/types";
import type { ModelAlias } from "../../config/types";
import type { RequestState } from "../../http/request-state";
import { type Reply, type StreamReply, streamReply } from "../../http/respond";
import type { SseChunk } from "../../http/sse";
import { mapFlow } from "../../lib/flow";
import { type ConvertOptions, convertToChatRequest } from "./convert-to-chat-request";
import { type AnthropicMessage, anthropicUsage, newMessageId, toMessage } from "./render-message";
import type { CountTokensRequest, MessagesRequest } from "./schemas";
import { anthropicErrorFrame, MessageStreamWriter, PING } from "./stream-writer";

export interface MessagesDeps {
  chat: ChatService;
  /** STRICT_TOOLS=true: Anthropic's server tools are a 400 instead of being left out. */
  strictTools: boolean;
}

export interface CreateInput {
  alias: ModelAlias;
  body: MessagesRequest;
  call: RequestState;
  request: Request;
}

/**
 * `POST /v1/messages`: the request becomes a chat-core request and the core's answer comes back
 * as a Message or its event stream, `model` as the client named it. An agent alias keeps one OCI
 * session per `metadata.user_id` (Claude Code sends one per session); without one, each request
 * opens its own.
 */
export async function createMessage(
  deps: MessagesDeps,
  i: CreateInput,
): Promise<{ reply: Reply<AnthropicMessage>; ignoredTools: string[] }> {
  const { body, call } = i;
  const options = { strictTools: deps.strictTools, maxTokensLimit: i.alias.params.max_tokens_limit };
  const { request, ignored } = convertToChatRequest(body, options);
  const model = body.model ?? i.alias.alias;
  const userId = body.metadata?.user_id;
  const out = await deps.chat
    .run({
      alias: i.alias,
      request,
      requestId: call.id,
      signal: i.request.signal,
      owner: call.owner,
      trace: call,
      conversation:
        i.alias.type === "agent"
          ? { kind: "auto", channel: "anthropic", cuid: userId || crypto.randomUUID() }
          : undefined,
    })
    .catch((e: unknown) => {
      throw renamed(e, body, options);
    });
  const id = newMessageId();
  if (out.kind === "answer") {
    const a = out.answer;
    return {
      reply: { kind: "json", body: toMessage(id, model, a), ociRequestId: out.ociRequestId, usage: a.usage },
      ignoredTools: ignored,
    };
  }
  // message_start carries the input estimate: OCI reports usage only when the answer ends.
  const shell: AnthropicMessage = {
    id,
    type: "message",
    role: "assistant",
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { ...anthropicUsage(undefined), input_tokens: estimateInputTokens(request) },
  };
  return { reply: messageStream(out, shell), ignoredTools: ignored };
}

/**
 * The stream's frames, made outside `createMessage`: closures made in an async function keep all
 * of its locals alive — the request and its conversion, the whole prompt — for as long as the
 * stream lasts.
 */
function messageStream(out: ChatStream, shell: AnthropicMessage): StreamReply {
  const writer = new MessageStreamWriter(shell);
  // Each event's frames leave together (a block's start with its first delta).
  const frames = mapFlow<ChatEvent, SseChunk>(out.events, {
    push: (ev, to) => to.next(writer.push(ev)),
    end: (to) => to.next(writer.end()),
  });
  return streamReply(out, frames, anthropicErrorFrame, { keepAlive: PING, opening: writer.start() });
}

/**
 * `POST /v1/messages/count_tokens`: the estimate of what the request would cost as input, after
 * the checks `/v1/messages` makes before calling OCI.
 */
export function countTokens(deps: MessagesDeps, alias: ModelAlias, body: CountTokensRequest): { input_tokens: number } {
  const options = { strictTools: deps.strictTools };
  const { request } = convertToChatRequest(body, options);
  try {
    deps.chat.check(alias, request);
  } catch (e) {
    throw renamed(e, body, options);
  }
  return { input_tokens: estimateInputTokens(request) };
}

/** The chat core's 400 naming the client's block (chat/request-origins.ts). */
function renamed(e: unknown, body: MessagesRequest | CountTokensRequest, options: ConvertOptions): unknown {
  return RequestOrigins.renamed(e, () => {
    const origins = new RequestOrigins("messages");
    return { request: convertToChatRequest(body, { ...options, origins }).request, origins };
  });
}
