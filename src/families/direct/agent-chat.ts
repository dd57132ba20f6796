import type { AgentInput } from "../../agents/agent-input";
import { AgentStreamReader } from "../../agents/agent-stream-reader";
import { agentTurn, agentTurnStream } from "../../agents/agent-turn";
import type { SessionManager, TurnOutcome } from "../../agents/session-manager";
import type { Outcome } from "../../chat/outcome";
import type { ModelAlias } from "../../config/types";
import type { OciEventStream, OciTransport } from "../../oci/transport";
import { seedAgentResponse } from "../openai/agent-responses";
import type { Usage } from "../openai/types";

/** The seed's /chat request, already checked for its mode. */
export type DirectChatMode = { mode: "auto"; channel: string; cuid: string } | { mode: "manual"; sessionId: string };

export interface DirectChatCall {
  alias: ModelAlias;
  owner: string;
  mode: DirectChatMode;
  userMessage: string;
  stream: boolean;
  requestId: string;
  signal: AbortSignal;
}

export type DirectChatOutcome = Outcome<Record<string, unknown>, unknown>;

/**
 * POST /genai/{alias}/chat: automatic mode (`channel` + `cuid`, sessions managed) or manual mode
 * (`sessionId`). Answers in the seed's shapes; `stream: true` sends `{"delta"}` events, then the
 * whole `{agentResponse, sessionInfo}`, then [DONE].
 */
export async function runDirectAgentChat(
  transport: OciTransport,
  sessions: SessionManager,
  call: DirectChatCall,
): Promise<DirectChatOutcome> {
  const { alias, mode } = call;
  const input: AgentInput = { message: call.userMessage, context: "", performedActions: [] };
  const opts = { signal: call.signal, requestId: call.requestId };
  const run = <R>(turn: (sid: string, fresh: boolean) => Promise<R>): Promise<TurnOutcome<R>> =>
    mode.mode === "auto"
      ? sessions.auto({ alias, owner: call.owner, channel: mode.channel, cuid: mode.cuid }, opts, turn)
      : sessions.manual(alias, call.owner, mode.sessionId, opts, turn);
  const sessionInfo = (t: TurnOutcome<unknown>) =>
    mode.mode === "auto"
      ? { sessionId: t.sessionId, sessionKey: `${mode.channel}:${mode.cuid}`, reused: t.reused }
      : { sessionId: t.sessionId };

  if (!call.stream) {
    const t = await run((sid, fresh) => agentTurn(transport, alias, input, sid, fresh, opts));
    await t.release();
    const { answer, ociRequestId } = t.result;
    return {
      kind: "json",
      body: {
        agentResponse: seedAgentResponse(answer),
        sessionInfo: sessionInfo(t),
        ...(answer.usage ? { usage: answer.usage } : {}),
      },
      ociRequestId,
    };
  }
  const t: TurnOutcome<OciEventStream> = await run((sid, fresh) =>
    agentTurnStream(transport, alias, input, sid, fresh, opts),
  );
  const reader = new AgentStreamReader();
  let usage: Usage | undefined;
  async function* events(): AsyncGenerator<unknown> {
    try {
      for await (const ev of t.result.events) {
        const delta = reader.push(ev);
        if (delta) yield { delta };
      }
      const answer = reader.answer();
      usage = answer.usage;
      yield {
        agentResponse: seedAgentResponse(answer),
        sessionInfo: sessionInfo(t),
        ...(answer.usage ? { usage: answer.usage } : {}),
      };
    } finally {
      await t.release();
    }
  }
  return {
    kind: "stream",
    chunks: events(),
    ociRequestId: t.result.opcRequestId,
    cancel: () => {
      t.result.cancel();
      void t.release();
    },
    usage: () => usage,
  };
}
