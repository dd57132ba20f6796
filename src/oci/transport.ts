import type {
  AgentChatDetails,
  AgentCreateSessionDetails,
  ApplyGuardrailsDetails,
  ChatDetails,
  EmbedTextDetails,
  RerankTextDetails,
} from "./wire";

/** Where one call goes: the alias's region and its optional endpoint override. */
export interface CallTarget {
  region: string;
  endpoint?: string;
}

export interface CallOptions {
  /** Aborted when the client goes away; the upstream request is cancelled with it. */
  signal: AbortSignal;
  /** Sent as opc-request-id so OCI's logs and ours line up. */
  requestId: string;
  /**
   * A pool's deadline (epoch ms), shared by its members' attempts: the call's own deadline ends
   * no later than this (docs/several-regions.md#deadlines).
   */
  deadlineAt?: number;
  /** A pool member answers a 429 at once, so the pool moves on, rather than retrying it here. */
  moveOnWhenThrottled?: boolean;
}

export interface OciReply {
  /** The parsed JSON body, unvalidated: translation checks its shape before use. */
  body: unknown;
  opcRequestId?: string;
}

export interface OciEventStream {
  /** Parsed JSON payload of each SSE event, in order, until OCI's end of stream. */
  events: AsyncIterable<unknown>;
  opcRequestId?: string;
  /** Stops reading and aborts the upstream request (client disconnected). */
  cancel(): void;
}

/**
 * The one seam to OCI. The HTTP implementation signs and sends real requests; the TEST_MODE mock
 * answers in OCI's own shapes. Routes and services never see anything below this interface.
 */
export interface OciTransport {
  readonly kind: "oci" | "mock";
  chat(target: CallTarget, details: ChatDetails, opts: CallOptions): Promise<OciReply>;
  /** Resolves once OCI has accepted the stream (headers received), so early errors stay HTTP errors. */
  chatStream(target: CallTarget, details: ChatDetails, opts: CallOptions): Promise<OciEventStream>;
  embedText(target: CallTarget, details: EmbedTextDetails, opts: CallOptions): Promise<OciReply>;
  rerankText(target: CallTarget, details: RerankTextDetails, opts: CallOptions): Promise<OciReply>;
  /** Content moderation, prompt injection and PII detection over one text (docs/api/moderations.md). */
  applyGuardrails(target: CallTarget, details: ApplyGuardrailsDetails, opts: CallOptions): Promise<OciReply>;
  /** Control plane GetModel: what an OCID names (vendor, display name), for format inference. */
  getModel(target: CallTarget, modelId: string, opts: CallOptions): Promise<OciReply>;

  /** Agent runtime: sessions of one agent endpoint, and chat within them. */
  createSession(
    target: CallTarget,
    agentEndpointId: string,
    details: AgentCreateSessionDetails,
    opts: CallOptions,
  ): Promise<OciReply>;
  getSession(target: CallTarget, agentEndpointId: string, sessionId: string, opts: CallOptions): Promise<OciReply>;
  deleteSession(target: CallTarget, agentEndpointId: string, sessionId: string, opts: CallOptions): Promise<OciReply>;
  agentChat(
    target: CallTarget,
    agentEndpointId: string,
    details: AgentChatDetails,
    opts: CallOptions,
  ): Promise<OciReply>;
  /** `shouldStream: true`; resolves once OCI accepted the stream, like chatStream. */
  agentChatStream(
    target: CallTarget,
    agentEndpointId: string,
    details: AgentChatDetails,
    opts: CallOptions,
  ): Promise<OciEventStream>;

  /** Object Storage (files): the tenancy namespace, objects of one bucket, read-only PARs. */
  getNamespace(region: string, opts: CallOptions): Promise<string>;
  putObject(
    loc: ObjectLocation,
    body: Uint8Array,
    meta: { contentType: string; metadata: Record<string, string> },
    opts: CallOptions,
  ): Promise<void>;
  headObject(loc: ObjectLocation, opts: CallOptions): Promise<ObjectInfo>;
  /** The object's bytes as a stream (not buffered), with its stored content type. */
  getObject(loc: ObjectLocation, opts: CallOptions): Promise<ObjectInfo & { body: ReadableStream<Uint8Array> }>;
  deleteObject(loc: ObjectLocation, opts: CallOptions): Promise<void>;
  listObjects(
    bucket: BucketLocation,
    q: { prefix: string; start?: string; limit?: number },
    opts: CallOptions,
  ): Promise<{ objects: ObjectSummary[]; nextStartWith?: string }>;
  /** A read-only pre-authenticated request; answers the full URL. */
  createReadPar(loc: ObjectLocation, expires: Date, opts: CallOptions): Promise<string>;
}

export interface BucketLocation {
  region: string;
  namespace: string;
  bucket: string;
}

export interface ObjectLocation extends BucketLocation {
  object: string;
}

export interface ObjectInfo {
  size: number;
  contentType: string;
  metadata: Record<string, string>;
  /** Epoch seconds. */
  created: number;
}

export interface ObjectSummary {
  name: string;
  size: number;
  created: number;
}
