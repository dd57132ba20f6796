/** Public types of the fake OCI Generative AI server. */

/** One request as the fake saw it (recorded even when the signature check fails). */
export interface RecordedRequest {
  method: string;
  /** Raw request target: path + query as received (see signature.ts for Bun's normalization). */
  path: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  rawBody: string;
  /** The body bytes as received (what an Object Storage upload stored). */
  rawBytes: Uint8Array;
  /** Parsed JSON body, or undefined when empty / not JSON. */
  body: unknown;
  signatureOk: boolean;
  signatureError?: string;
  receivedAt: number;
  /** Set when the client went away before the answer was complete (req.signal fired). */
  abortedAt?: number;
  /** Operation the route resolved to: "chat", "embedText", "getModel", "agentChat", "putObject", "notFound", ... */
  op: string;
  /** Status the fake answered with (set once the reply is decided). */
  status?: number;
  /** The opc-request-id the fake answered with. */
  requestId: string;
}

export type HeaderMap = Record<string, string>;

/** A JSON answer. `json: undefined` sends no body (e.g. 204). */
export interface JsonReply {
  json: unknown;
  status?: number;
  headers?: HeaderMap;
  delayMs?: number;
}

/** An OCI error answer: body `{"code","message"}` (both needed, OCI-WIRE.md §0.10). */
export interface ErrorReply {
  error: { status: number; code: string; message: string };
  headers?: HeaderMap;
  delayMs?: number;
}

/**
 * How a scripted SSE stream ends after its last event:
 * - "close": normal end of the chunked body;
 * - "hang": keep the connection open until the client goes away or the fake stops;
 * - "error": abort the body mid-transfer (the client sees a broken connection).
 */
export type SseEnd = "close" | "hang" | "error";

export interface SseReply {
  /** Objects are written as `data: <json>\n\n`; strings are written raw, byte for byte. */
  sse: Array<string | object>;
  gapMs?: number;
  firstDelayMs?: number;
  headers?: HeaderMap;
  /** Append `data: [DONE]\n\n` after the events. */
  done?: boolean;
  end?: SseEnd;
  status?: number;
}

/** Replay a recorded `*.chunks.txt` fixture (name in test/fixtures/oci, or a path). */
export interface ChunksFileReply {
  chunksFile: string;
  gapMs?: number;
  firstDelayMs?: number;
  headers?: HeaderMap;
  end?: SseEnd;
}

/** Arbitrary bytes with arbitrary headers: for malformed bodies and wrong content types. */
export interface RawReply {
  raw: string | Uint8Array;
  status?: number;
  headers?: HeaderMap;
  delayMs?: number;
}

export type FakeReply = JsonReply | ErrorReply | SseReply | ChunksFileReply | RawReply;

export type FakeReplyFn = (req: RecordedRequest) => FakeReply | Promise<FakeReply>;

/** Operations the fake routes to; any other string is accepted by `script` too. */
export type FakeOp =
  | "chat"
  | "embedText"
  | "rerankText"
  | "applyGuardrails"
  | "getModel"
  | "listModels"
  | "listAgentEndpoints"
  | "createSession"
  | "getSession"
  | "updateSession"
  | "deleteSession"
  | "agentChat"
  | "getNamespace"
  | "putObject"
  | "getObject"
  | "headObject"
  | "deleteObject"
  | "listObjects"
  | "createPar"
  | "deletePar"
  | "readPar"
  | "notFound";

/**
 * A failure `failNext` injects: an OCI error status (with its usual code unless one is given, and
 * a Retry-After when asked), `reset` (headers and the start of a first event sent, then the
 * connection is cut) or `hang` (no answer until the client gives up).
 */
export type FakeFailure = { status: number; code?: string; message?: string; retryAfter?: string } | "reset" | "hang";

export interface ScriptOptions {
  /** How many requests this reply answers (default 1; Infinity = sticky). */
  times?: number;
}

/** Life of one SSE answer, for disconnect assertions. */
export interface StreamRecord {
  op: string;
  path: string;
  startedAt: number;
  closedAt?: number;
  /** True when the client cancelled / disconnected before the fake finished the stream. */
  clientAborted: boolean;
  eventsSent: number;
}

export interface FakeSession {
  id: string;
  agentEndpointId: string;
  displayName?: string;
  description?: string;
  welcomeMessage: string;
  timeCreated: string;
  timeUpdated: string;
  /** Agent chat turns answered so far on this session. */
  turns: number;
}

/** One object kept by the fake Object Storage. */
export interface StoredObject {
  bytes: Uint8Array;
  /** As uploaded; `application/octet-stream` when the upload had none. */
  contentType: string;
  /** `opc-meta-*` headers of the upload, keyed without the prefix (lower-case). */
  meta: Record<string, string>;
  /** RFC 3339 with milliseconds (set again on overwrite, like OCI). */
  timeCreated: string;
  /** A fresh UUID per upload. */
  etag: string;
  /** base64 MD5 of `bytes`. */
  md5: string;
}

/** One pre-authenticated request created on the fake. */
export interface StoredPar {
  id: string;
  name: string;
  /** The secret path segment after `/p/`. */
  token: string;
  namespace: string;
  bucket: string;
  /** Absent for AnyObject* access types. */
  objectName?: string;
  accessType: string;
  bucketListingAction?: string;
  /** `/p/<token>/n/<ns>/b/<bucket>/o/<encoded object>`. */
  accessUri: string;
  timeCreated: string;
  timeExpires: string;
}

/** State of the fake Object Storage service (one namespace). */
export interface ObjectStorageState {
  /** What GET /n answers; any other namespace in a path is 404 BucketNotFound. Default "testnamespace". */
  namespace: string;
  /** When set, only these buckets exist (others are 404 BucketNotFound); when undefined any bucket name works. */
  buckets?: string[];
  /** Keyed by `bucket/object` (bucket names cannot contain `/`). */
  readonly objects: Map<string, StoredObject>;
  /** Keyed by PAR id. */
  readonly pars: Map<string, StoredPar>;
}

export interface FakeKey {
  keyId: string;
  publicKeyPem: string;
}

export interface FakeOciOptions {
  keys?: FakeKey[];
  /** Model id or name → vendor, for getModel/listModels (default vendor "meta"). */
  modelVendors?: Record<string, string>;
  /** Gap between events of the default (unscripted) streams. Default 0. */
  streamGapMs?: number;
  /** Object Storage namespace (default "testnamespace") and, optionally, the only buckets that exist. */
  objectStorage?: { namespace?: string; buckets?: string[] };
  /** Serve HTTPS with this certificate (test/fixtures/tls), as OCI does; default plain HTTP. */
  tls?: { cert: string; key: string };
}

export interface FakeOci {
  /** `http://127.0.0.1:PORT` (`https://` with `tls`), no trailing slash (the SDK appends `/20231130`). */
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  readonly streams: StreamRecord[];
  /** Agent sessions alive on the fake, by id. */
  readonly sessions: Map<string, FakeSession>;
  /** The agent runtime: `chatDelayMs` (how long answers take; a concurrent chat on a busy session is 409) and `busyRefusals`. */
  readonly agentRuntime: { chatDelayMs: number; readonly busyRefusals: number };
  /** The Object Storage service (objects, PARs, namespace, bucket list); survives `clear()` like sessions. */
  readonly objectStorage: ObjectStorageState;
  /** Mutable: model id/name → vendor. */
  modelVendors: Record<string, string>;
  /** What ListModels and ListAgentEndpoints list (seeded; mutable; survives `clear()`). */
  readonly controlPlane: FakeControlPlane;
  addKey(keyId: string, publicKeyPem: string): void;
  script(op: FakeOp | (string & {}), reply: FakeReply | FakeReplyFn, opts?: ScriptOptions): void;
  /**
   * The next `n` calls of these ops (default: chat and embedText) fail this way, before any
   * script or default answer. Calls counted across the ops together.
   */
  failNext(n: number, failure: FakeFailure, ops?: string[]): void;
  /** Injected failures not yet used. */
  pendingFailures(): number;
  /** Scripted replies not yet consumed for an op. */
  pendingScripts(op: string): number;
  /** Forget recorded requests, streams and pending scripts (keys and sessions stay). */
  clear(): void;
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** Requests recorded for one op. */
  requestsFor(op: string): RecordedRequest[];
  stop(): Promise<void>;
}

/** A `ModelSummary` as ListModels sends it (dates as RFC 3339 strings or null). */
export interface FakeModelSummary {
  id: string;
  /** null for pretrained models; the owning compartment for fine-tuned ones. */
  compartmentId: string | null;
  capabilities: string[];
  lifecycleState: string;
  lifecycleDetails?: string;
  displayName: string;
  vendor: string;
  version: string;
  timeCreated: string;
  type: "BASE" | "CUSTOM";
  timeDeprecated: string | null;
  timeOnDemandRetired: string | null;
  timeDedicatedRetired: string | null;
  isLongTermSupported: boolean;
  baseModelId: string | null;
  [field: string]: unknown;
}

/** An `AgentEndpointSummary` as ListAgentEndpoints sends it. */
export interface FakeAgentEndpoint {
  id: string;
  displayName: string;
  description?: string;
  compartmentId: string;
  agentId: string;
  lifecycleState: string;
  timeCreated: string;
  [field: string]: unknown;
}

/**
 * The fake's control-plane catalog. Pretrained (`BASE`) models are listed in every compartment,
 * fine-tuned ones and agent endpoints only in their own. Each page holds at most `pageSize` items
 * (or the request's smaller `limit`); `opc-next-page` carries the token of the next one.
 */
export interface FakeControlPlane {
  models: FakeModelSummary[];
  agentEndpoints: FakeAgentEndpoint[];
  pageSize: number;
}
