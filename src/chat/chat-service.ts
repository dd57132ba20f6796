import { createAgentCompletion } from "../agents/agent-chat";
import type { SessionManager } from "../agents/session-manager";
import type { FilesService } from "../files/files-service";
import { materializeImages } from "../images/materialize-images";
import type { OciTransport } from "../oci/transport";
import { type ChatCall, type ChatOutcome, createChatCompletion } from "./model-chat";

/** Who is calling, for agents: the API-key namespace and the conversation's key parts. */
export interface Caller {
  owner: string;
  channel: string;
  cuid: string;
}

export interface ChatDeps {
  transport: OciTransport;
  sessions: SessionManager;
  files: FilesService;
  allowPrivateImageHosts: ReadonlySet<string>;
}

/**
 * The OpenAI chat routes' one entry: a model alias goes to OCI chat (after its images are made
 * data URLs), an agent alias to its sessions.
 */
export async function completeChat(deps: ChatDeps, call: ChatCall & { caller: Caller }): Promise<ChatOutcome> {
  if (call.alias.type === "agent")
    return createAgentCompletion(deps.transport, deps.sessions, { ...call, ...call.caller });
  const sources = { files: deps.files, region: call.alias.region, allowPrivateImageHosts: deps.allowPrivateImageHosts };
  const request = await materializeImages(call.request, sources, { signal: call.signal, requestId: call.requestId });
  return createChatCompletion(deps.transport, { ...call, request });
}
