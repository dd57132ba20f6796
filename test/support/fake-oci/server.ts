/**
 * The fake OCI Generative AI server: Bun.serve on 127.0.0.1, every request signature-checked
 * (OCI-WIRE.md §6.2) and recorded, scripted replies first, default behaviour otherwise.
 */
import { randomBytes } from "node:crypto";
import type { Server } from "bun";
import { AgentRuntime } from "./agent";
import { listAgentEndpoints, listModels, seedControlPlane } from "./control-plane";
import { type DefaultContext, defaultChat, defaultEmbed, modelResource, ociError } from "./defaults";
import { defaultGuardrails, defaultRerank } from "./inference-extras";
import { BODY_UNSIGNED_OPS, matchObjectStorageRoute, ObjectStorageFake, UNSIGNED_OPS } from "./object-storage";
import { KeyRing, verifyOciSignature } from "./signature";
import { readChunks, sleep, sseResponse, toFrame } from "./sse";
import type {
  FakeFailure,
  FakeOci,
  FakeOciOptions,
  FakeReply,
  FakeReplyFn,
  FakeSession,
  HeaderMap,
  RecordedRequest,
  ScriptOptions,
  StreamRecord,
} from "./types";

interface Route {
  op: string;
  params: Record<string, string>;
}

/** Resolve method + pathname to an operation name; path params are percent-decoded. */
export function matchRoute(method: string, pathname: string): Route {
  const seg = pathname
    .split("/")
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  const m = method.toUpperCase();
  const notFound: Route = { op: "notFound", params: {} };

  // Object Storage: `/n/...` and `/p/...`, no version prefix.
  const objectStorage = matchObjectStorageRoute(m, pathname);
  if (objectStorage) return objectStorage;

  if (seg[0] === "20231130") {
    if (seg[1] === "actions" && seg.length === 3 && m === "POST") return { op: seg[2]!, params: {} };
    if (seg[1] === "models" && m === "GET") {
      if (seg.length === 2) return { op: "listModels", params: {} };
      if (seg.length === 3) return { op: "getModel", params: { modelId: seg[2]! } };
    }
    return notFound;
  }
  if (seg[0] === "20240531" && seg[1] === "agentEndpoints" && seg.length === 2 && m === "GET") {
    return { op: "listAgentEndpoints", params: {} };
  }
  if (seg[0] === "20240531" && seg[1] === "agentEndpoints" && seg[2]) {
    const agentEndpointId = seg[2];
    if (seg[3] === "sessions") {
      if (seg.length === 4 && m === "POST") return { op: "createSession", params: { agentEndpointId } };
      if (seg.length === 5) {
        const params = { agentEndpointId, sessionId: seg[4]! };
        if (m === "GET") return { op: "getSession", params };
        if (m === "PUT") return { op: "updateSession", params };
        if (m === "DELETE") return { op: "deleteSession", params };
      }
    }
    if (seg[3] === "actions" && seg[4] === "chat" && seg.length === 5 && m === "POST") {
      return { op: "agentChat", params: { agentEndpointId } };
    }
  }
  return notFound;
}

/** Upper-case hex, like the ids OCI hands out. */
function newRequestId(): string {
  return randomBytes(16).toString("hex").toUpperCase();
}

interface ScriptEntry {
  reply: FakeReply | FakeReplyFn;
  remaining: number;
}

const decoder = new TextDecoder();

/** OCI's error codes for the statuses tests inject (docs/oci-wire.md#errors). */
const OCI_CODES: Record<number, string> = {
  400: "InvalidParameter",
  404: "NotAuthorizedOrNotFound",
  429: "TooManyRequests",
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

class FakeOciServer implements FakeOci {
  readonly requests: RecordedRequest[] = [];
  readonly streams: StreamRecord[] = [];
  readonly sessions: Map<string, FakeSession>;
  readonly objectStorage: ObjectStorageFake;
  modelVendors: Record<string, string>;
  readonly controlPlane = seedControlPlane();

  private readonly keys = new KeyRing();
  private readonly scripts = new Map<string, ScriptEntry[]>();
  private readonly failures: Array<{ remaining: number; failure: FakeFailure; ops: string[] }> = [];
  private readonly agent = new AgentRuntime();
  readonly agentRuntime: AgentRuntime;
  private readonly stopping = new AbortController();
  private readonly streamGapMs: number;
  private server!: Server<undefined>;
  private readonly tls: FakeOciOptions["tls"];

  constructor(opts: FakeOciOptions) {
    this.tls = opts.tls;
    for (const k of opts.keys ?? []) this.keys.add(k.keyId, k.publicKeyPem);
    this.modelVendors = { ...opts.modelVendors };
    this.streamGapMs = opts.streamGapMs ?? 0;
    this.sessions = this.agent.sessions;
    this.agentRuntime = this.agent;
    this.objectStorage = new ObjectStorageFake(opts.objectStorage);
  }

  start(): void {
    this.server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      idleTimeout: 0, // scripted answers may be slow on purpose; Bun must not cut them
      ...(this.tls ? { tls: this.tls } : {}),
      fetch: (req) => this.handle(req),
      // A bug in the fake itself: answer like OCI would rather than with Bun's HTML error page.
      error: (e) => Response.json({ code: "InternalServerError", message: `fake OCI: ${e.message}` }, { status: 500 }),
    });
  }

  get port(): number {
    return this.server.port!;
  }

  get url(): string {
    return `${this.tls ? "https" : "http"}://127.0.0.1:${this.port}`;
  }

  addKey(keyId: string, publicKeyPem: string): void {
    this.keys.add(keyId, publicKeyPem);
  }

  script(op: string, reply: FakeReply | FakeReplyFn, opts: ScriptOptions = {}): void {
    const times = opts.times ?? 1;
    if (!(times > 0)) throw new Error(`fake OCI: script times must be > 0 (got ${times})`);
    const queue = this.scripts.get(op) ?? [];
    queue.push({ reply, remaining: times });
    this.scripts.set(op, queue);
  }

  failNext(n: number, failure: FakeFailure, ops: string[] = ["chat", "embedText"]): void {
    if (!(n > 0)) throw new Error(`fake OCI: failNext needs n > 0 (got ${n})`);
    this.failures.push({ remaining: n, failure, ops });
  }

  pendingFailures(): number {
    return this.failures.reduce((sum, f) => sum + f.remaining, 0);
  }

  /** The first injected failure that applies to `op`, used once. */
  private takeFailure(op: string): FakeReply | undefined {
    const i = this.failures.findIndex((f) => f.ops.includes(op));
    if (i < 0) return undefined;
    const entry = this.failures[i]!;
    if (--entry.remaining <= 0) this.failures.splice(i, 1);
    const f = entry.failure;
    // Part of a first event, then the cut: what a client sees when a connection dies mid-answer.
    if (f === "reset") return { sse: ['data: {"chatResponse": {"apiFormat": '], end: "error" };
    if (f === "hang") return { json: {}, delayMs: 24 * 3600_000 };
    return {
      error: {
        status: f.status,
        code: f.code ?? OCI_CODES[f.status] ?? "Error",
        message: f.message ?? `injected ${f.status}`,
      },
      headers: f.retryAfter === undefined ? undefined : { "retry-after": f.retryAfter },
    };
  }

  pendingScripts(op: string): number {
    return this.scripts.get(op)?.length ?? 0;
  }

  clear(): void {
    this.requests.length = 0;
    this.streams.length = 0;
    this.scripts.clear();
    this.failures.length = 0;
  }

  requestsFor(op: string): RecordedRequest[] {
    return this.requests.filter((r) => r.op === op);
  }

  async waitFor(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`fake OCI: condition not met within ${timeoutMs} ms`);
      await sleep(10);
    }
  }

  async stop(): Promise<void> {
    this.stopping.abort(); // ends hanging streams and pending delays
    await this.server.stop(true);
  }

  /** Take the next scripted reply for `op` (FIFO; an entry stays until its `times` run out). */
  private takeScript(op: string): FakeReply | FakeReplyFn | undefined {
    const queue = this.scripts.get(op);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    if (--head.remaining <= 0) queue.shift();
    return head.reply;
  }

  private async handle(req: Request): Promise<Response> {
    const receivedAt = Date.now();
    const url = new URL(req.url);
    const target = url.pathname + url.search;
    const bytes = new Uint8Array(await req.arrayBuffer());
    const rawBody = decoder.decode(bytes);
    let body: unknown;
    if (rawBody.length) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
    }
    const route = matchRoute(req.method, url.pathname);
    const sig = verifyOciSignature(
      {
        method: req.method,
        target,
        headers: req.headers,
        body: bytes,
        now: receivedAt,
        bodyHeadersOptional: BODY_UNSIGNED_OPS.has(route.op),
      },
      this.keys,
    );
    const rec: RecordedRequest = {
      method: req.method,
      path: target,
      headers: Object.fromEntries(req.headers),
      rawBody,
      rawBytes: bytes,
      body,
      signatureOk: sig.ok,
      ...(sig.ok ? {} : { signatureError: sig.error }),
      receivedAt,
      op: route.op,
      // OCI's own id for the call, which starts with the client's when one was sent: a gateway
      // that reported its own id as OCI's would not pass a test comparing the two.
      requestId: `${req.headers.get("opc-request-id") ?? newRequestId()}/${newRequestId().slice(0, 12)}`,
    };
    this.requests.push(rec);
    // Bun fires req.signal only when the client goes away before the answer is complete.
    req.signal.addEventListener("abort", () => (rec.abortedAt ??= Date.now()), { once: true });

    let reply: FakeReply;
    // signatureOk still tells whether a valid signature came along; a PAR read just does not need one.
    if (!sig.ok && !UNSIGNED_OPS.has(route.op)) {
      reply = ociError(401, "NotAuthenticated", sig.error);
    } else {
      const injected = this.takeFailure(route.op);
      const scripted = injected ?? this.takeScript(route.op);
      try {
        reply =
          scripted === undefined
            ? this.defaultReply(route, rec)
            : typeof scripted === "function"
              ? await scripted(rec)
              : scripted;
      } catch (e) {
        reply = ociError(500, "InternalServerError", `fake OCI: script for ${route.op} threw: ${(e as Error).message}`);
      }
    }
    return this.render(reply, rec, req.signal);
  }

  private defaultReply(route: Route, rec: RecordedRequest): FakeReply {
    const ctx: DefaultContext = { streamGapMs: this.streamGapMs };
    const { agentEndpointId = "", sessionId = "", modelId = "" } = route.params;
    switch (route.op) {
      case "chat":
        return defaultChat(rec.body, ctx);
      case "embedText":
        return defaultEmbed(rec.body);
      case "rerankText":
        return defaultRerank(rec.body);
      case "applyGuardrails":
        return defaultGuardrails(rec.body);
      case "getModel":
        return { json: modelResource(modelId, this.modelVendors) };
      case "listModels":
        return listModels(this.controlPlane, new URL(rec.path, this.url).searchParams);
      case "listAgentEndpoints":
        return listAgentEndpoints(this.controlPlane, new URL(rec.path, this.url).searchParams);
      case "createSession":
        return this.agent.create(agentEndpointId, rec.body);
      case "getSession":
        return this.agent.get(agentEndpointId, sessionId);
      case "updateSession":
        return this.agent.update(agentEndpointId, sessionId, rec.body);
      case "deleteSession":
        return this.agent.delete(agentEndpointId, sessionId);
      case "agentChat":
        return this.agent.chat(agentEndpointId, rec.body, this.streamGapMs);
      case "getNamespace":
      case "putObject":
      case "getObject":
      case "headObject":
      case "deleteObject":
      case "listObjects":
      case "createPar":
      case "deletePar":
      case "readPar":
        return this.objectStorage.handle(route, rec);
      default:
        return ociError(404, "NotFound", `No route for ${rec.method} ${rec.path}`);
    }
  }

  private baseHeaders(rec: RecordedRequest, extra: HeaderMap | undefined): HeaderMap {
    return { "opc-request-id": rec.requestId, ...extra };
  }

  private async render(reply: FakeReply, rec: RecordedRequest, signal: AbortSignal): Promise<Response> {
    if ("sse" in reply || "chunksFile" in reply) {
      const frames = "sse" in reply ? reply.sse.map(toFrame) : readChunks(reply.chunksFile).map((e) => `${e}\n\n`);
      if ("sse" in reply && reply.done) frames.push("data: [DONE]\n\n");
      const status = ("status" in reply ? reply.status : undefined) ?? 200;
      rec.status = status;
      const record: StreamRecord = {
        op: rec.op,
        path: rec.path,
        startedAt: Date.now(),
        clientAborted: false,
        eventsSent: 0,
      };
      this.streams.push(record);
      return sseResponse({
        frames,
        gapMs: reply.gapMs ?? 0,
        firstDelayMs: reply.firstDelayMs ?? 0,
        end: reply.end ?? "close",
        status,
        // Exactly "text/event-stream": the SDK's stream detection is a string equality (§0.1).
        headers: this.baseHeaders(rec, {
          "content-type": "text/event-stream",
          "cache-control": "no-cache",
          ...reply.headers,
        }),
        record,
        requestSignal: signal,
        stopSignal: this.stopping.signal,
      });
    }

    const delayMs = reply.delayMs ?? 0;
    if (delayMs > 0) await sleep(delayMs, AbortSignal.any([signal, this.stopping.signal]));

    if ("error" in reply) {
      rec.status = reply.error.status;
      return Response.json(
        { code: reply.error.code, message: reply.error.message },
        { status: reply.error.status, headers: this.baseHeaders(rec, reply.headers) },
      );
    }
    if ("raw" in reply) {
      rec.status = reply.status ?? 200;
      return new Response(reply.raw as BodyInit, { status: rec.status, headers: this.baseHeaders(rec, reply.headers) });
    }
    rec.status = reply.status ?? 200;
    if (reply.json === undefined) {
      return new Response(null, { status: rec.status, headers: this.baseHeaders(rec, reply.headers) });
    }
    return new Response(JSON.stringify(reply.json), {
      status: rec.status,
      headers: this.baseHeaders(rec, { "content-type": "application/json", ...reply.headers }),
    });
  }
}

export async function startFakeOci(opts: FakeOciOptions = {}): Promise<FakeOci> {
  const fake = new FakeOciServer(opts);
  fake.start();
  return fake;
}
