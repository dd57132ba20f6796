import { runAgentChat } from "../agents/agent-chat";
import type { SessionManager } from "../agents/session-manager";
import type { ModelAlias } from "../config/types";
import type { FilesService } from "../files/files-service";
import { materializeImages } from "../images/materialize-images";
import type { Logger } from "../observability/logger";
import type { OciTransport } from "../oci/transport";
import { runModelChat } from "./model-chat";
import type { ChatOutcome } from "./outcome";
import type { ChatRequest } from "./types";

/**
 * Which agent conversation a turn belongs to: one the gateway manages for `channel:cuid`, or an
 * OCI session the client names. `owner` is the caller's API-key namespace.
 */
export type Conversation =
  | { kind: "auto"; owner: string; channel: string; cuid: string }
  | { kind: "manual"; owner: string; sessionId: string };

export interface ChatCall {
  alias: ModelAlias;
  request: ChatRequest;
  requestId: string;
  signal: AbortSignal;
  /** Which agent conversation: required for agent aliases, ignored for models. */
  conversation?: Conversation;
}

export interface ChatDeps {
  transport: OciTransport;
  sessions: SessionManager;
  files: FilesService;
  allowPrivateImageHosts: ReadonlySet<string>;
  log?: Logger;
}

/**
 * The chat core, the one path to OCI chat for every API family: a model alias goes to its OCI
 * chat format (after the images it points at are fetched into data URLs), an agent alias to its
 * sessions. It knows no HTTP and no family's shapes.
 */
export class ChatService {
  constructor(private readonly deps: ChatDeps) {}

  async run(call: ChatCall): Promise<ChatOutcome> {
    const { deps } = this;
    if (call.alias.type === "agent") return runAgentChat(deps.transport, deps.sessions, call);
    const sources = {
      files: deps.files,
      region: call.alias.region,
      allowPrivateImageHosts: deps.allowPrivateImageHosts,
    };
    const request = await materializeImages(call.request, sources, { signal: call.signal, requestId: call.requestId });
    return runModelChat(deps.transport, { ...call, request, log: deps.log });
  }
}
