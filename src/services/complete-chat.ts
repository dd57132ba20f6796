import type { SessionManager } from "../agents/session-manager";
import { createAgentCompletion } from "./agent-completions";
import { createChatCompletion, type ChatCall, type ChatOutcome } from "./chat-completions";
import type { OciTransport } from "../oci/transport";

/** Who is calling, for agents: the API-key namespace and the conversation's key parts. */
export interface Caller {
  owner: string;
  channel: string;
  cuid: string;
}

export interface ChatDeps {
  transport: OciTransport;
  sessions: SessionManager;
}

/** The OpenAI chat routes' one entry: a model alias goes to OCI chat, an agent alias to its sessions. */
export function completeChat(deps: ChatDeps, call: ChatCall & { caller: Caller }): Promise<ChatOutcome> {
  if (call.alias.type === "agent") return createAgentCompletion(deps.transport, deps.sessions, { ...call, ...call.caller });
  return createChatCompletion(deps.transport, call);
}
