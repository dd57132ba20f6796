import type { ModelAlias } from "../config/types";
import type { CallOptions, OciEventStream, OciTransport } from "../oci/transport";
import type { AgentChatDetails } from "../oci/wire";
import type { AgentInput } from "./agent-input";
import { agentUserMessage } from "./agent-input";
import { type AgentAnswer, readAgentResult } from "./read-agent-result";

function details(input: AgentInput, sessionId: string, fresh: boolean, stream: boolean): AgentChatDetails {
  return {
    userMessage: agentUserMessage(input, fresh),
    sessionId,
    shouldStream: stream,
    ...(input.performedActions.length
      ? { performedActions: input.performedActions as AgentChatDetails["performedActions"] }
      : {}),
  };
}

/** One agent turn on a session, answered whole. */
export async function agentTurn(
  transport: OciTransport,
  alias: ModelAlias,
  input: AgentInput,
  sessionId: string,
  fresh: boolean,
  opts: CallOptions,
): Promise<{ answer: AgentAnswer; ociRequestId?: string }> {
  const reply = await transport.agentChat(
    { region: alias.region, endpoint: alias.endpoint },
    alias.id,
    details(input, sessionId, fresh, false),
    opts,
  );
  return { answer: readAgentResult(reply.body), ociRequestId: reply.opcRequestId };
}

/** One agent turn on a session, streamed; resolves once OCI accepted the stream. */
export function agentTurnStream(
  transport: OciTransport,
  alias: ModelAlias,
  input: AgentInput,
  sessionId: string,
  fresh: boolean,
  opts: CallOptions,
): Promise<OciEventStream> {
  return transport.agentChatStream(
    { region: alias.region, endpoint: alias.endpoint },
    alias.id,
    details(input, sessionId, fresh, true),
    opts,
  );
}
