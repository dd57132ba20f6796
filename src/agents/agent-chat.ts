import { chunkOf, roleChunk } from "../chat/formats/stream-mapper";
import type { ChatOutcome } from "../chat/model-chat";
import { newCompletionMeta } from "../chat/model-chat";
import type { ModelAlias } from "../config/types";
import {
  type AgentChunk,
  type AgentInfo,
  agentClosingChunks,
  agentToChatCompletion,
} from "../families/openai/agent-responses";
import type { ChatCompletionRequest } from "../families/openai/schemas";
import type { OciTransport } from "../oci/transport";
import { conversationToAgentInput } from "./agent-input";
import { AgentStreamReader } from "./agent-stream-reader";
import { agentTurn, agentTurnStream } from "./agent-turn";
import type { SessionManager } from "./session-manager";

export interface AgentCompletionCall {
  alias: ModelAlias;
  request: ChatCompletionRequest;
  requestId: string;
  signal: AbortSignal;
  /** API-key namespace of the caller. */
  owner: string;
  /** `X-Channel` / `X-Cuid` (or their defaults), as the client gave them. */
  channel: string;
  cuid: string;
}

/**
 * A chat completion answered by an OCI agent: the session for `channel:cuid` is found or made,
 * the newest turn is sent (with the earlier ones as context on a fresh session), and the answer
 * comes back as a chat.completion with an `agent` object. Streams hold the conversation's lock
 * until they end.
 */
export async function createAgentCompletion(
  transport: OciTransport,
  sessions: SessionManager,
  call: AgentCompletionCall,
): Promise<ChatOutcome> {
  const { alias, request } = call;
  const input = conversationToAgentInput(request.messages);
  const opts = { signal: call.signal, requestId: call.requestId };
  const target = { alias, owner: call.owner, channel: call.channel, cuid: call.cuid };
  const meta = newCompletionMeta(alias.alias);
  const info = (sessionId: string, reused: boolean, citations: unknown[]): AgentInfo => ({
    session_id: sessionId,
    session_key: `${call.channel}:${call.cuid}`,
    reused,
    citations,
  });

  if (request.stream !== true) {
    const turn = await sessions.auto(target, opts, (sid, fresh) =>
      agentTurn(transport, alias, input, sid, fresh, opts),
    );
    await turn.release();
    const { answer, ociRequestId } = turn.result;
    return {
      kind: "json",
      body: agentToChatCompletion(answer, meta, info(turn.sessionId, turn.reused, answer.citations)),
      ociRequestId,
    };
  }
  const turn = await sessions.auto(target, opts, (sid, fresh) =>
    agentTurnStream(transport, alias, input, sid, fresh, opts),
  );
  const upstream = turn.result;
  const reader = new AgentStreamReader();
  const includeUsage = request.stream_options?.include_usage === true;
  let usage: ReturnType<typeof reader.answer>["usage"];
  async function* chunks(): AsyncGenerator<AgentChunk> {
    try {
      yield roleChunk(meta);
      for await (const ev of upstream.events) {
        const text = reader.push(ev);
        if (text) yield chunkOf(meta, [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }]);
      }
      const answer = reader.answer();
      usage = answer.usage;
      yield* agentClosingChunks(answer, meta, info(turn.sessionId, turn.reused, answer.citations), includeUsage);
    } finally {
      await turn.release();
    }
  }
  return {
    kind: "stream",
    chunks: chunks(),
    ociRequestId: upstream.opcRequestId,
    cancel: () => {
      upstream.cancel();
      void turn.release();
    },
    usage: () => usage,
  };
}
