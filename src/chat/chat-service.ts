import type { RequestLimits } from "../config/settings";
import type { FilesService } from "../files/files-service";
import type { Logger } from "../observability/logger";
import type { OciTransport } from "../oci/transport";
import { materializeImages } from "./materialize-images";
import { runModelChat } from "./model-chat";
import type { ChatOutcome } from "./outcome";
import type { ChatCall } from "./types";

/** Something that answers chat calls: the agent sessions plug in here (agents/agent-chat.ts). */
export interface ChatBackend {
  run(call: ChatCall): Promise<ChatOutcome>;
}

export interface ChatDeps {
  transport: OciTransport;
  /** Answers agent aliases; the core itself knows nothing of sessions. */
  agents: ChatBackend;
  files: FilesService;
  allowPrivateImageHosts: ReadonlySet<string>;
  /** What one request may make the core do (schema size, images). */
  limits: Pick<RequestLimits, "maxSchemaNodes" | "maxImages" | "maxImageBytes">;
  log?: Logger;
}

/**
 * The chat core, the one path to OCI chat for every API family: a model alias goes to its OCI
 * chat format (after the images it points at are fetched into data URLs), an agent alias to the
 * agent backend. It knows no HTTP and no family's shapes.
 */
export class ChatService {
  constructor(private readonly deps: ChatDeps) {}

  async run(call: ChatCall): Promise<ChatOutcome> {
    const { deps } = this;
    if (call.alias.type === "agent") return deps.agents.run(call);
    const sources = {
      files: deps.files,
      region: call.alias.region,
      owner: call.owner,
      allowPrivateImageHosts: deps.allowPrivateImageHosts,
      maxImages: deps.limits.maxImages,
      maxImageBytes: deps.limits.maxImageBytes,
    };
    const request = await materializeImages(call.request, sources, { signal: call.signal, requestId: call.requestId });
    return runModelChat(deps.transport, { ...call, request, log: deps.log }, deps.limits.maxSchemaNodes);
  }
}
