import type { ModelAlias } from "../config/types";
import { withRequestId } from "../errors/upstream-error";
import type { CallOptions, CallTarget, OciEventStream, OciTransport } from "../oci/transport";
import type { AgentChatDetails } from "../oci/wire";
import type { AgentInput } from "./agent-input";
import { agentUserMessage } from "./agent-input";
import { type AgentAnswer, readAgentResult } from "./read-agent-result";

/** One turn of an agent conversation: what is said, to which session; `fresh` when the session is new. */
export interface AgentTurnCall {
  transport: OciTransport;
  alias: ModelAlias;
  input: AgentInput;
  sessionId: string;
  fresh: boolean;
  opts: CallOptions;
}

/** The agentChat arguments of a turn; a streamed turn differs only in `shouldStream`. */
function chatArgs(t: AgentTurnCall, stream: boolean): [CallTarget, string, AgentChatDetails, CallOptions] {
  const { alias, input } = t;
  const details: AgentChatDetails = {
    userMessage: agentUserMessage(input, t.fresh),
    sessionId: t.sessionId,
    shouldStream: stream,
    ...(input.performedActions.length
      ? { performedActions: input.performedActions as AgentChatDetails["performedActions"] }
      : {}),
  };
  return [{ region: alias.region, endpoint: alias.endpoint }, alias.id, details, t.opts];
}

/** One agent turn on a session, answered whole. */
export async function agentTurn(t: AgentTurnCall): Promise<{ answer: AgentAnswer; ociRequestId?: string }> {
  const reply = await t.transport.agentChat(...chatArgs(t, false));
  return {
    answer: withRequestId(reply.opcRequestId, () => readAgentResult(reply.body)),
    ociRequestId: reply.opcRequestId,
  };
}

/** One agent turn on a session, streamed; resolves once OCI accepted the stream. */
export function agentTurnStream(t: AgentTurnCall): Promise<OciEventStream> {
  return t.transport.agentChatStream(...chatArgs(t, true));
}
