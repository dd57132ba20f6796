import { UpstreamError } from "../errors/upstream-error";
import { BufferPool } from "../lib/buffer-pool";
import { type Flow, type FlowControl, type FlowSink, pullFrom, streamFlow } from "../lib/flow";
import { JsonUtf8Writer } from "../lib/json-utf8-writer";
import { VERSION } from "../version";
import { decideRetry } from "./retry-policy";
import type { RequestSigner } from "./signer";
import { hasBody, tapBody } from "./socket-http";
import { SseJsonDecoder } from "./sse";
import type { CallOptions, OciEventStream, OciReply } from "./transport";
import { createUpstreamSender, type UpstreamSender } from "./upstream-sender";

/** What one upstream exchange cost, for logs and metrics (reported once per exchange). */
export interface ExchangeReport {
  requestId: string;
  method: Method;
  url: string;
  /** Time until OCI's answer headers, over every attempt. */
  ms: number;
  attempts: number;
  status?: number;
  failure?: string;
}

export interface SignedHttpOptions {
  signer: RequestSigner;
  /** Called once per exchange, after its last attempt: when OCI's headers arrived or it failed. */
  onExchange?(report: ExchangeReport): void;
  /** Called before each retry, with the attempt that failed. */
  onRetry?(info: { requestId: string; url: string; reason: string; delayMs: number; attempt: number }): void;
  /** Deadline of a non-streaming call, and of a stream until OCI's headers arrive. */
  upstreamTimeoutMs: number;
  /** Longest silence inside a stream before it is abandoned. */
  streamIdleMs: number;
  /** How requests go out (upstream-sender.ts). */
  sender?: UpstreamSender;
}

export type Method = "GET" | "HEAD" | "POST" | "PUT" | "DELETE";

/** A raw exchange: bytes in, the Response out (status already checked). */
export interface RawRequest {
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Object Storage uploads are signed without the body headers, as OCI's SDK does. */
  excludeBody?: boolean;
}

/**
 * A JSON request body: text as it is, or a value (`{ json }`), written straight into a buffer
 * lent for the exchange (docs/architecture.md, "Request bodies to OCI").
 */
export type JsonBody = string | { json: unknown };

export interface SignedHttp {
  exchange(method: Method, url: string, body: JsonBody | undefined, opts: CallOptions): Promise<OciReply>;
  stream(url: string, body: JsonBody, opts: CallOptions): Promise<OciEventStream>;
  /** The deadline covers the wait for headers; the caller reads (or cancels) the body. */
  raw(method: Method, url: string, req: RawRequest, opts: CallOptions): Promise<Response>;
}

/** What every attempt of one call sends alike; `ctrl` aborts them all (client gone, deadline). */
interface Exchange {
  method: Method;
  url: string;
  req: RawRequest;
  /** A body given as a value, written as JSON (then `req` has none). */
  json?: unknown;
  opts: CallOptions;
  accept: string;
  ctrl: AbortController;
  /** The answer's body is handed on as it arrives (raw): the sender uses node:http for it. */
  direct?: boolean;
  /** A successful answer's body is taken with `takeBody` here (UpstreamRequest.pushBody). */
  push?: boolean;
}

const utf8 = new TextEncoder();

/**
 * The buffers JSON bodies are written into. A buffer is lent until no attempt can send it again
 * (OCI's headers came, or the call failed): socket-http.ts writes nothing of a request after
 * that, and the other senders get a copy (upstream-sender.ts). 32 buffers, grown to the sizes the
 * traffic needs; more calls than that at once make their bytes the plain way. One of up to 4 MB
 * is kept (a coding agent's long conversation is ~1 MB), and those waiting hold 8 MB at most.
 */
const JSON_BODY_BUFFERS = { initialBytes: 4096, maxBytes: 4 * 1024 * 1024, maxIdleBytes: 8 * 1024 * 1024, size: 32 };

/** The arguments of an exchange for a JSON body given as text or as a value. */
const withJson = (body: JsonBody | undefined): { req: RawRequest; json?: unknown } =>
  typeof body === "object" ? { req: {}, json: body.json } : { req: { body } };

/** Error bodies are small; a huge one is cut so a broken upstream cannot fill memory. */
const MAX_ERROR_BODY = 64 * 1024;
/** Of an error body that is not OCI's JSON, what the client's error message quotes. */
const MAX_ERROR_TEXT = 2048;
/** The largest JSON answer read (an embeddings batch is a few MB); beyond it OCI's answer is refused. */
const MAX_JSON_BODY = 64 * 1024 * 1024;

const NO_BYTES: FlowControl = { pause() {}, resume() {}, cancel() {} };

/**
 * An answer's body pushed into `sink`: tapped at the socket when socket-http.ts answered it (the
 * only way to have a body it was asked to push), else read from its web stream. Every answer
 * taken here is consumed or cancelled, so its connection goes back to the pool or is closed.
 */
function takeBody(res: Response, sink: FlowSink<Uint8Array>): FlowControl {
  const tapped = tapBody(res, sink);
  if (tapped) return tapped;
  if (res.body) return streamFlow(res.body).subscribe(sink);
  sink.end();
  return NO_BYTES;
}

/** Reads at most `max` bytes of a body; `truncated` says there was more (the rest is not read). */
function readCapped(res: Response, max: number): Promise<{ text: string; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    let cut = false;
    const text = (n: number) =>
      chunks.length === 1
        ? Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, n).toString("utf8")
        : Buffer.concat(chunks, total).subarray(0, n).toString("utf8");
    // Assigned once takeBody returns: a tap hands over what came before it inside that call.
    let control: FlowControl | undefined;
    control = takeBody(res, {
      next(chunk) {
        if (cut) return;
        chunks.push(chunk);
        total += chunk.byteLength;
        if (total > max) {
          cut = true;
          resolve({ text: text(max), truncated: true });
          control?.cancel();
        }
      },
      end() {
        if (!cut) resolve({ text: text(total), truncated: false });
      },
      fail(e) {
        if (!cut) reject(e);
      },
    });
    // Over the cap already while the bytes that came before the tap were handed over.
    if (cut) void control.cancel();
  });
}

/**
 * The HTTP exchange with OCI, for every service: the signer signs, upstream-sender.ts sends with
 * an AbortSignal (client disconnect and deadlines cancel the request), our parser reads streams,
 * and OCI's error bodies become typed UpstreamErrors. No retries here.
 */
export function createSignedHttp(o: SignedHttpOptions): SignedHttp {
  const upstream = o.sender ?? createUpstreamSender();
  const jsonBuffers = new BufferPool(JSON_BODY_BUFFERS);
  async function attempt(
    x: Exchange,
    retryToken: string,
    json: Uint8Array | undefined,
    lent: boolean,
  ): Promise<Response> {
    const { method, url, req, opts, accept, ctrl } = x;
    const headers = new Headers({
      accept,
      "opc-request-id": opts.requestId,
      "user-agent": `ocigenai/${VERSION}`,
      ...req.headers,
    });
    if ((typeof req.body === "string" || x.json !== undefined) && !headers.has("content-type"))
      headers.set("content-type", "application/json");
    // The same token on every attempt lets OCI recognise a retried POST (as OCI's SDK does).
    if (method === "POST") headers.set("opc-retry-token", retryToken);
    await o.signer.sign(method, url, headers, json, req.excludeBody === true);
    try {
      return await upstream.send(
        url,
        { method, headers, body: json ?? req.body, signal: ctrl.signal, pushBody: x.push === true, lent },
        x.direct === true,
      );
    } catch (e) {
      throw abortReason(ctrl) ?? new UpstreamError("network", describeNetworkError(e));
    }
  }

  /**
   * A JSON body's bytes, made once for the signature's digest and for the wire, whatever the
   * attempts: a value written into the lent buffer when one was free, else serialized and
   * encoded, as a text is.
   */
  function bodyBytes(x: Exchange, lent: JsonUtf8Writer | undefined): Uint8Array | undefined {
    if (lent) return lent.write(x.json).bytes();
    if (x.json !== undefined) return utf8.encode(JSON.stringify(x.json));
    return typeof x.req.body === "string" ? utf8.encode(x.req.body) : undefined;
  }

  /**
   * Sends with the retry policy: only failures before any answer byte was used are retried, each
   * attempt signed afresh (OCI checks the date), all within the deadline that `ctrl` enforces.
   */
  async function send(x: Exchange, deadlineAt: number): Promise<Response> {
    const { method, url, opts, ctrl } = x;
    const started = performance.now();
    const retryToken = crypto.randomUUID();
    const report = (r: Partial<ExchangeReport>, attempts: number) =>
      o.onExchange?.({ requestId: opts.requestId, method, url, ms: performance.now() - started, attempts, ...r });
    // Given back once no attempt can send it again: OCI's headers came, or the call failed.
    const buffer = x.json === undefined ? undefined : jsonBuffers.take();
    const lent = buffer && new JsonUtf8Writer(buffer);
    try {
      const json = bodyBytes(x, lent);
      for (let retries = 0; ; retries++) {
        let res: Response | undefined;
        let failure: unknown;
        try {
          res = await attempt(x, retryToken, json, lent !== undefined);
        } catch (e) {
          if (!(e instanceof UpstreamError) || e.failure !== "network" || ctrl.signal.aborted) {
            report({ failure: e instanceof UpstreamError ? e.failure : "aborted" }, retries + 1);
            throw e;
          }
          failure = e;
        }
        const outcome = res
          ? { status: res.status, retryAfter: res.headers.get("retry-after") }
          : { network: true as const };
        const decision =
          res?.ok || (res?.status === 429 && opts.moveOnWhenThrottled)
            ? { retry: false as const }
            : decideRetry(retries, outcome, deadlineAt - Date.now());
        if (!decision.retry) {
          report(res ? { status: res.status } : { failure: "network" }, retries + 1);
          if (res) return res;
          throw failure;
        }
        o.onRetry?.({
          requestId: opts.requestId,
          url,
          reason: decision.reason,
          delayMs: decision.delayMs,
          attempt: retries + 1,
        });
        await res?.body?.cancel().catch(() => {});
        await sleep(decision.delayMs, ctrl.signal);
      }
    } finally {
      if (lent) jsonBuffers.give(lent.buffer);
    }
  }

  const deadline = (ctrl: AbortController, what: string, opts: CallOptions) => {
    const own = Date.now() + o.upstreamTimeoutMs;
    const at = opts.deadlineAt === undefined ? own : Math.min(own, opts.deadlineAt);
    const why = at < own ? "before the request's deadline" : `within ${o.upstreamTimeoutMs / 1000} s`;
    const timer = setTimeout(
      () => ctrl.abort(new UpstreamError("timeout", `${what} ${why}`)),
      Math.max(0, at - Date.now()),
    );
    return { at, timer };
  };

  return {
    async exchange(method, url, body, opts) {
      const ctrl = new LinkedController(opts.signal);
      const { at, timer } = deadline(ctrl, "no answer", opts);
      let res: Response | undefined;
      try {
        res = await send({ method, url, ...withJson(body), opts, accept: "application/json", ctrl, push: true }, at);
        const opcRequestId = res.headers.get("opc-request-id") ?? undefined;
        if (!res.ok) throw await httpError(res);
        let read: { text: string; truncated: boolean };
        try {
          read = await readCapped(res, MAX_JSON_BODY);
        } catch (e) {
          throw (
            abortReason(ctrl) ??
            new UpstreamError("network", `answer cut off: ${describeNetworkError(e)}`, { opcRequestId })
          );
        }
        if (read.truncated)
          throw new UpstreamError("bad_response", `answer larger than ${MAX_JSON_BODY / 1024 / 1024} MB`, {
            opcRequestId,
          });
        const text = read.text;
        if (text.trim() === "") return { body: undefined, opcRequestId }; // DELETE answers 204
        try {
          return { body: JSON.parse(text), opcRequestId };
        } catch {
          throw new UpstreamError("bad_response", `answer is not JSON: ${text.slice(0, 80)}`, { opcRequestId });
        }
      } finally {
        clearTimeout(timer);
        ctrl.dispose();
      }
    },

    async stream(url, body, opts) {
      const ctrl = new LinkedController(opts.signal);
      const { at, timer } = deadline(ctrl, "stream not started", opts);
      let res: Response;
      try {
        res = await send(
          { method: "POST", url, ...withJson(body), opts, accept: "text/event-stream", ctrl, push: true },
          at,
        );
      } catch (e) {
        clearTimeout(timer);
        ctrl.dispose();
        throw e;
      }
      const opcRequestId = res.headers.get("opc-request-id") ?? undefined;
      const type = res.headers.get("content-type") ?? "";
      if (!res.ok || !type.startsWith("text/event-stream") || !hasBody(res)) {
        // What came instead of a stream is read under the same deadline and the client's signal:
        // an error body that never ends must not hold the request (or a pool's next member).
        try {
          if (!res.ok) throw await httpError(res);
          const text = await readCapped(res, MAX_ERROR_BODY).then(
            (r) => r.text,
            () => "",
          );
          throw new UpstreamError("bad_response", `expected an event stream, got '${type}': ${text.slice(0, 80)}`, {
            opcRequestId,
          });
        } finally {
          clearTimeout(timer);
          ctrl.dispose();
        }
      }
      clearTimeout(timer);
      return {
        opcRequestId,
        cancel: canceller(ctrl),
        events: new EventFlow(res, ctrl, o.streamIdleMs, opcRequestId),
      };
    },

    async raw(method, url, req, opts) {
      const ctrl = new LinkedController(opts.signal);
      const { at, timer } = deadline(ctrl, "no answer", opts);
      try {
        const res = await send({ method, url, req, opts, accept: "*/*", ctrl, direct: true }, at);
        if (!res.ok) throw await httpError(res);
        return res;
      } finally {
        clearTimeout(timer);
        // The client's signal keeps governing the body the caller reads; only the deadline ends here.
      }
    },
  };
}

/**
 * OCI's event stream as a flow of decoded events (lib/flow.ts), with an idle watchdog; any abort
 * (client gone, deadline, watchdog) ends it with the abort's typed reason. The body is tapped at
 * the socket when socket-http.ts answered it, so each chunk is decoded and handed on inside the
 * socket's data callback; other senders' bodies are read. One object per stream is the flow, the
 * body's sink, the control and the abort listener (methods, not closures: a thousand streams).
 */
class EventFlow implements Flow<unknown>, FlowSink<Uint8Array>, FlowControl {
  private down: FlowSink<unknown> | undefined;
  private bytes: FlowControl | undefined;
  private stopLater = false;
  private over = false;
  private idle: ReturnType<typeof setTimeout> | undefined;
  private readonly decoder = new SseJsonDecoder();

  constructor(
    /** Held until subscribed: then only its body's control is kept, not the answer. */
    private answer: Response | undefined,
    private readonly ctrl: AbortController & { dispose(): void },
    private readonly idleMs: number,
    private readonly opcRequestId: string | undefined,
  ) {}

  subscribe(sink: FlowSink<unknown>): FlowControl {
    if (this.down) throw new Error("a flow has one consumer");
    this.down = sink;
    // One watchdog for the whole stream, pushed back by every chunk.
    this.idle = setTimeout(idleTimeout, this.idleMs, this);
    this.ctrl.signal.addEventListener("abort", this, { once: true });
    const answer = this.answer!;
    this.answer = undefined;
    this.bytes = takeBody(answer, this);
    if (this.stopLater) this.bytes.cancel();
    return this;
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    return pullFrom(this);
  }

  /** The abort listener. */
  handleEvent(): void {
    this.finish(true);
    this.stopBody();
  }

  timedOut(): void {
    this.ctrl.abort(
      new UpstreamError("idle", `no event for ${this.idleMs / 1000} s`, { opcRequestId: this.opcRequestId }),
    );
  }

  // The body's sink.
  next(chunk: Uint8Array): void {
    if (this.over) return;
    this.idle?.refresh();
    const events = this.decoder.push(chunk);
    for (let i = 0; i < events.length && !this.over; i++) this.down!.next(events[i]);
    if (this.over) return;
    if (this.decoder.failure) {
      this.finish(true, this.decoder.failure);
      this.stopBody();
    } else if (this.decoder.finished) {
      this.finish(false);
      // What follows `[DONE]` is not read; stopped a turn later, so that a body whose end
      // came in the same packet completes first and its connection is kept for the next call.
      queueMicrotask(() => this.stopBody());
    }
  }

  /** A body that ends after an abort was cut, not finished. */
  end(): void {
    this.finish(this.ctrl.signal.aborted);
  }

  fail(e: unknown): void {
    this.finish(true, e);
  }

  // The consumer's control.
  pause(): void {
    this.bytes?.pause();
  }

  resume(): void {
    this.bytes?.resume();
  }

  cancel(reason?: unknown): void {
    if (this.over) return;
    this.release();
    this.ctrl.abort(reason ?? new DOMException("client went away", "AbortError"));
    this.stopBody();
  }

  private stopBody(): void {
    if (this.bytes) this.bytes.cancel();
    else this.stopLater = true;
  }

  private release(): void {
    this.over = true;
    clearTimeout(this.idle);
    this.ctrl.signal.removeEventListener("abort", this);
    this.ctrl.dispose();
  }

  /** Ends the flow once: `end`, or `fail` with the abort's reason if there was one. */
  private finish(failed: boolean, e?: unknown): void {
    if (this.over) return;
    this.release();
    if (!failed) {
      this.down!.end();
      return;
    }
    this.down!.fail(
      abortReason(this.ctrl) ??
        (e instanceof UpstreamError
          ? e
          : new UpstreamError("network", `stream broken: ${describeNetworkError(e)}`, {
              opcRequestId: this.opcRequestId,
            })),
    );
  }
}

function idleTimeout(f: EventFlow): void {
  f.timedOut();
}

/**
 * The stream's cancel, made outside `stream`: a closure made inside an async function keeps all
 * of that function's locals alive with it — there, the request's JSON (the whole prompt), for as
 * long as the stream lasted.
 */
function canceller(ctrl: AbortController): () => void {
  return () => ctrl.abort(new DOMException("client went away", "AbortError"));
}

/**
 * A controller that follows the client's signal, detachable (`dispose`) so no listener outlives
 * the call. Its own listener on the parent (`handleEvent`): no closure, since one lives per open
 * stream.
 */
class LinkedController extends AbortController {
  constructor(private readonly parent: AbortSignal) {
    super();
    if (parent.aborted) this.handleEvent();
    else parent.addEventListener("abort", this, { once: true });
  }

  handleEvent(): void {
    this.abort(this.parent.reason ?? new DOMException("client went away", "AbortError"));
  }

  dispose(): void {
    this.parent.removeEventListener("abort", this);
  }
}

/** Waits, unless the request is aborted meanwhile (client gone, deadline passed). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener("abort", stop, { once: true });
  });
}

function abortReason(ctrl: AbortController): unknown {
  return ctrl.signal.aborted ? ctrl.signal.reason : undefined;
}

async function httpError(res: Response): Promise<UpstreamError> {
  const opcRequestId = res.headers.get("opc-request-id") ?? undefined;
  const retryAfter = res.headers.get("retry-after") ?? undefined;
  let text = "";
  try {
    text = (await readCapped(res, MAX_ERROR_BODY)).text;
  } catch {
    // The status alone is enough to map the error.
  }
  let code: string | undefined;
  // Not JSON (a proxy's page, a body cut at MAX_ERROR_BODY): its start is OCI's message, as much
  // of it as a client can read in an error.
  const said = text.trim();
  let message =
    (said.length > MAX_ERROR_TEXT ? `${said.slice(0, MAX_ERROR_TEXT)}…` : said) ||
    res.statusText ||
    `HTTP ${res.status}`;
  try {
    const j = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof j.code === "string") code = j.code;
    if (typeof j.message === "string") message = j.message;
  } catch {
    // Not JSON: keep the text itself as OCI's message.
  }
  return new UpstreamError("http", message, { status: res.status, code, opcRequestId, retryAfter });
}

function describeNetworkError(e: unknown): string {
  if (e instanceof Error)
    return (e as Error & { code?: string }).code ? `${(e as Error & { code?: string }).code}: ${e.message}` : e.message;
  return String(e);
}
