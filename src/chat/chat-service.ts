import { requireCapability } from "../config/capability";
import type { RequestLimits } from "../config/settings";
import type { ModelAlias } from "../config/types";
import type { FilesService } from "../files/files-service";
import type { Logger } from "../observability/logger";
import { inferApiFormat } from "../oci/model-target";
import type { OciTransport } from "../oci/transport";
import type { Pools } from "../pools/pools";
import type { MemberLease } from "../pools/route-pool";
import { toolMediaAsNotes } from "./formats/message-text";
import { checkMedia, materializeImages } from "./materialize-images";
import { runModelChat } from "./model-chat";
import type { ChatOutcome } from "./outcome";
import { committedStream } from "./pooled-stream";
import type { ChatCall, ChatRequest } from "./types";

/** Something that answers chat calls: the agent sessions plug in here (agents/agent-chat.ts). */
export interface ChatBackend {
  run(call: ChatCall): Promise<ChatOutcome>;
}

export interface ChatDeps {
  transport: OciTransport;
  /** Answers agent aliases; the core itself knows nothing of sessions. */
  agents: ChatBackend;
  files: FilesService;
  /** Spreads a pool alias's calls over its members. */
  pools: Pools;
  allowPrivateImageHosts: ReadonlySet<string>;
  /** What one request may make the core do (schema size, images). */
  limits: Pick<RequestLimits, "maxSchemaNodes" | "maxImages" | "maxImageBytes">;
  log?: Logger;
}

/**
 * The chat core, the one path to OCI chat for every API family: a model alias goes to its OCI
 * chat format (after the images it points at are fetched into data URLs), an agent alias to the
 * agent backend, a pool alias to its members in turn (docs/several-regions.md). It knows no HTTP
 * and no family's shapes.
 */
export class ChatService {
  constructor(private readonly deps: ChatDeps) {}

  async run(call: ChatCall): Promise<ChatOutcome> {
    const { deps } = this;
    if (call.alias.type === "agent") return deps.agents.run(call);
    requireCapability(call.alias, "chat", "model");
    if (readsTextOnly(call.alias)) call = { ...call, request: toolMediaAsNotes(call.request) };
    const sources = {
      files: deps.files,
      region: call.alias.region,
      owner: call.owner,
      allowPrivateImageHosts: deps.allowPrivateImageHosts,
      maxImages: deps.limits.maxImages,
      maxImageBytes: deps.limits.maxImageBytes,
    };
    const request = await materializeImages(call.request, sources, { signal: call.signal, requestId: call.requestId });
    if (call.alias.type !== "pool")
      return runModelChat(deps.transport, { ...call, request, log: deps.log }, deps.limits.maxSchemaNodes);
    return deps.pools.run(call.alias, call, (member, lease) => this.onMember(call, member, request, lease));
  }

  /**
   * What `run` refuses before anything is fetched or OCI is asked — an alias that does not chat,
   * media parts of the wrong form or too many — without doing either: count_tokens answers an
   * estimate for the requests `/v1/messages` would take, and the same 400 for the others.
   */
  check(alias: ModelAlias, request: ChatRequest): void {
    if (alias.type === "agent") return;
    requireCapability(alias, "chat", "model");
    checkMedia(readsTextOnly(alias) ? toolMediaAsNotes(request) : request, this.deps.limits);
  }

  /**
   * One member's attempt. It moves on at a 429 and ends by the pool's deadline; a stream counts
   * as answered only once its first event is here, so a member failing before that is left
   * for the next one while the client has seen nothing.
   */
  private async onMember(call: ChatCall, member: ModelAlias, request: ChatRequest, lease: MemberLease) {
    const out = await runModelChat(
      this.deps.transport,
      { ...call, alias: member, request, log: this.deps.log, deadlineAt: lease.deadlineAt, moveOnWhenThrottled: true },
      this.deps.limits.maxSchemaNodes,
    );
    if (out.kind === "answer") {
      lease.release();
      return out;
    }
    return committedStream(out, lease);
  }
}

/**
 * A model alias whose format is known, from its config or its name, to take text only (COHERE);
 * an OCID's format is learned later, and a pool's members may differ: not known here.
 */
function readsTextOnly(alias: ModelAlias): boolean {
  if (alias.type !== "model") return false;
  const format = alias.apiFormat ?? (alias.id.startsWith("ocid1.") ? undefined : inferApiFormat(alias.id));
  return format === "COHERE";
}
