import type { Socket, SocketHandler } from "bun";
import type { FlowControl, FlowSink } from "../lib/flow";
import type { UpstreamRequest } from "./node-http-fetch";

/**
 * A small HTTP/1.1 client on Bun's native sockets (`Bun.connect`), for the calls to OCI
 * (docs/deploy.md#how-upstream-calls-are-sent). Why not fetch: Bun's fetch runs at most 256
 * requests at once unless a variable was set at launch, and an answer read from JavaScript costs
 * ~27 KB of memory per open stream against ~10 KB here; node:http has no limit but costs more
 * still. This client has no limit, keeps connections alive per origin, verifies TLS (Bun's root
 * certificates, the host name checked) and answers with a web `Response` whose body is paused at
 * the socket while its reader is behind — or, taken with `tapBody`, pushed from the socket's data
 * callback with no reader at all (the streaming path: docs/architecture.md#streams-are-pushed).
 * A request sent with `pushBody` says its successful answer will be tapped: that answer's
 * `Response` gets no web stream at all (its `body` is null), which spares building one per
 * answer that nobody would read (5–15 µs after an idle moment; docs/deploy.md).
 *
 * It speaks what OCI answers: a status line, headers, then a body framed by Content-Length,
 * chunked transfer coding, or the connection's end. No Accept-Encoding is sent, so answers come
 * uncompressed. One request per connection at a time (no pipelining).
 */

export interface SocketHttpOptions {
  /** Seconds an unused connection is kept for the next request. */
  idleSeconds?: number;
  /** Unused connections kept per origin at most. */
  maxIdlePerOrigin?: number;
  /** Certificates trusted instead of Bun's roots (tests). */
  ca?: string | string[];
}

export interface SocketHttp {
  request(u: URL, init: UpstreamRequest): Promise<Response>;
  /** Unused kept-alive connections, over all origins (tests). */
  idleCount(): number;
  /** Closes the unused connections. */
  closeIdle(): void;
}

/** An answer's head larger than this is refused (OCI's are ~1 KB). */
const MAX_HEAD = 64 * 1024;
/** Bytes buffered for a reader before the socket is paused. */
const HIGH_WATER = 64 * 1024;
const NO_BODY = new Set([204, 205, 304]);
const CRLF2 = Buffer.from("\r\n\r\n");
const utf8 = new TextEncoder();
/** Bodies up to this size leave in the same write as the head. */
const SMALL_BODY = 16 * 1024;

/** The answers of this client whose body can still be tapped (see `tapBody`). */
const taps = new WeakMap<Response, (sink: FlowSink<Uint8Array>) => FlowControl | undefined>();

/**
 * Takes the body of an answer this client is delivering, before anyone reads it: its bytes are
 * pushed to `sink` from the socket's data callback (in order, then `end` or `fail`), and the
 * control paces the socket. Undefined for other answers (another sender's, a body already being
 * read, none at all), which are read as web streams.
 */
export function tapBody(res: Response, sink: FlowSink<Uint8Array>): FlowControl | undefined {
  const tap = taps.get(res);
  if (!tap) return undefined;
  taps.delete(res);
  return tap(sink);
}

/** The answer has a body to take: a web stream, or one this client will push when tapped. */
export function hasBody(res: Response): boolean {
  return res.body !== null || taps.has(res);
}

/** A failure with a system-like code, as fetch's and node's network errors carry. */
function netError(message: string, code: string, cause?: unknown): Error {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason ?? "aborted"));
}

/** Decodes chunked transfer coding incrementally; `push` answers the data bytes found. */
class ChunkedDecoder {
  private state: "size" | "data" | "after-data" | "trailer" = "size";
  private line = "";
  private left = 0;
  done = false;

  push(buf: Uint8Array, out: Uint8Array[]): void {
    let i = 0;
    while (i < buf.length && !this.done) {
      if (this.state === "data") {
        const n = Math.min(this.left, buf.length - i);
        out.push(buf.subarray(i, i + n));
        i += n;
        this.left -= n;
        if (this.left === 0) this.state = "after-data";
        continue;
      }
      const lf = buf.indexOf(10, i);
      const end = lf < 0 ? buf.length : lf;
      this.line += Buffer.from(buf.buffer, buf.byteOffset + i, end - i).toString("latin1");
      if (this.line.length > 8 * 1024) throw netError("a chunk header is too long", "HPE_CHUNK_EXTENSIONS_OVERFLOW");
      if (lf < 0) return;
      i = lf + 1;
      const line = this.line.endsWith("\r") ? this.line.slice(0, -1) : this.line;
      this.line = "";
      if (this.state === "after-data") {
        if (line !== "") throw netError("chunk data not followed by CRLF", "HPE_INVALID_CHUNK_SIZE");
        this.state = "size";
      } else if (this.state === "size") {
        const hex = line.split(";", 1)[0]!.trim();
        if (!/^[0-9a-fA-F]{1,8}$/.test(hex)) throw netError(`bad chunk size '${hex}'`, "HPE_INVALID_CHUNK_SIZE");
        this.left = Number.parseInt(hex, 16);
        this.state = this.left === 0 ? "trailer" : "data";
      } else if (line === "") {
        this.done = true;
      }
    }
  }
}

type Framing =
  | { kind: "none" }
  | { kind: "length"; left: number }
  | { kind: "chunked"; decoder: ChunkedDecoder }
  | { kind: "close" };

/** One kept-alive connection to one origin. */
interface Conn {
  key: string;
  socket: Socket<Conn> | undefined;
  /** The request it serves now; none while it waits in the pool. */
  ex: Exchange | undefined;
  /** It served an earlier request (a close before any answer byte may be the server's idle close). */
  reused: boolean;
  /** Parts of the request the socket did not take yet, in order (sent on drain). */
  unsent: Uint8Array[] | undefined;
  closed: boolean;
  tls: boolean;
  /** The socket's last error, reported with its close. */
  lastError?: Error;
}

/** How a tap paces its socket: an object, not three closures, since one lives per open stream. */
class TapControl implements FlowControl {
  constructor(
    private readonly ex: Exchange,
    private readonly abandon: (ex: Exchange) => void,
  ) {}

  pause(): void {
    if (!this.ex.finished) this.ex.conn.socket?.pause();
  }

  resume(): void {
    if (!this.ex.finished) this.ex.conn.socket?.resume();
  }

  cancel(): void {
    this.abandon(this.ex);
  }
}

/** One request and its answer, on one connection. */
class Exchange {
  head: Buffer | undefined;
  gotBytes = false;
  framing: Framing = { kind: "none" };
  /**
   * Where the body goes: nobody has asked yet (bytes wait in `early`), the Response's reader
   * (queued in its stream), or a tap (pushed as they arrive).
   */
  outlet: "undecided" | "reader" | "tap" = "undecided";
  controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  tap: FlowSink<Uint8Array> | undefined;
  early: Uint8Array[] = [];
  earlyBytes = 0;
  /** How the body ended before anyone took it: set once, replayed when it is taken. */
  earlyEnd: { error?: unknown; failed: boolean } | undefined;
  answered = false;
  finished = false;
  keepAlive = true;
  /** The answer began before the whole request was written: the rest is never sent, nor the connection reused. */
  cutShort = false;
  conn!: Conn;
  constructor(
    /** Dropped once the answer begins: a stream must not hold its prompt (up to MBs) while it lasts. */
    public request: Uint8Array[] | undefined,
    readonly method: string,
    /** A successful answer's body will be tapped (UpstreamRequest.pushBody): no web stream for it. */
    readonly pushBody: boolean,
    readonly signal: AbortSignal,
    readonly resolve: (r: Response) => void,
    readonly reject: (e: unknown) => void,
    /** Called when the connection failed before any answer byte: may try again on a fresh one. */
    public retry: (() => boolean) | undefined,
    readonly done: (conn: Conn, reusable: boolean) => void,
    /** The client's way to end an exchange with an error (its `fail`). */
    private readonly failWith: (conn: Conn, e: unknown) => void,
  ) {}

  /**
   * The caller's signal aborted: the exchange fails and its connection is dropped. The exchange
   * is its own listener — a closure made in `request` kept the request's bytes (the whole prompt)
   * alive for as long as a stream lasted, and any closure is one more object per open stream.
   */
  handleEvent(): void {
    const conn = this.conn;
    if (this.finished || conn.ex !== this) return;
    this.failWith(conn, asError(this.signal.reason));
    conn.socket?.terminate();
  }
}

export function createSocketHttp(o: SocketHttpOptions = {}): SocketHttp {
  const idleSeconds = o.idleSeconds ?? 15;
  const maxIdle = o.maxIdlePerOrigin ?? 256;
  const idle = new Map<string, Conn[]>();

  const drop = (conn: Conn) => {
    const list = idle.get(conn.key);
    if (!list) return;
    const at = list.indexOf(conn);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) idle.delete(conn.key);
  };

  const finish = (conn: Conn, reusable: boolean) => {
    conn.ex = undefined;
    if (!reusable || conn.closed || !conn.socket) {
      conn.socket?.end();
      return;
    }
    const list = idle.get(conn.key) ?? [];
    if (list.length >= maxIdle) {
      conn.socket.end();
      return;
    }
    conn.reused = true;
    // A reader or tap may have paused it on the answer's last bytes; the next answer must flow.
    conn.socket.resume();
    conn.socket.timeout(idleSeconds);
    list.push(conn);
    idle.set(conn.key, list);
  };

  const send = (conn: Conn) => {
    const ex = conn.ex;
    if (!ex?.request || !conn.socket) return;
    writeOut(conn, ex.request);
  };

  /** Writes the parts in order until the socket takes no more; the rest waits for `drain`. */
  const writeOut = (conn: Conn, parts: Uint8Array[]) => {
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const n = conn.socket!.write(part);
      if (n < 0) return; // closed: the close handler reports it
      if (n < part.length) {
        conn.unsent = [part.subarray(n), ...parts.slice(i + 1)];
        return;
      }
    }
    conn.unsent = undefined;
  };

  const handlers: SocketHandler<Conn> = {
    open(socket) {
      const conn = socket.data;
      conn.socket = socket;
      // Aborted while connecting: nobody waits for this connection any more.
      if (!conn.ex) return socket.terminate();
      socket.setNoDelay(true);
      if (!conn.tls) send(conn);
    },
    handshake(socket, success, authorizationError) {
      const conn = socket.data;
      if (!conn.ex) return socket.terminate();
      if (success && !authorizationError) return send(conn);
      fail(conn, netError(`TLS: ${authorizationError?.message ?? "handshake failed"}`, "ERR_TLS_CERT"));
      socket.terminate();
    },
    drain(socket) {
      const conn = socket.data;
      if (conn.unsent) writeOut(conn, conn.unsent);
    },
    data(socket, data) {
      const conn = socket.data;
      const ex = conn.ex;
      if (!ex) {
        // Bytes on a connection nobody asked anything: it cannot be trusted for the next request.
        drop(conn);
        socket.terminate();
        return;
      }
      try {
        receive(ex, data);
      } catch (e) {
        ex.keepAlive = false;
        fail(conn, e);
        socket.terminate();
      }
    },
    timeout(socket) {
      const conn = socket.data;
      if (!conn.ex) {
        drop(conn);
        socket.end();
      }
    },
    error(socket, error) {
      socket.data.lastError = error;
    },
    end(socket) {
      socket.end();
    },
    close(socket, error) {
      const conn = socket.data;
      conn.closed = true;
      drop(conn);
      const ex = conn.ex;
      if (!ex) return;
      if (ex.answered && ex.framing.kind === "close" && !ex.finished) {
        ex.finished = true;
        endBody(ex);
        cleanup(ex);
        return;
      }
      const why = error ?? conn.lastError;
      fail(
        conn,
        why && !ex.gotBytes
          ? netError(why.message, (why as Error & { code?: string }).code ?? "ECONNRESET", why)
          : netError("the connection closed before the answer ended", "ECONNRESET", why),
      );
    },
    connectError(socket, error) {
      fail(socket.data, error);
    },
  };

  /** Ends an exchange with an error: before the answer it rejects, after it the body fails. */
  function fail(conn: Conn, e: unknown) {
    const ex = conn.ex;
    if (!ex || ex.finished) return;
    ex.finished = true;
    conn.ex = undefined;
    if (!ex.answered) {
      if (!ex.gotBytes && conn.reused && !ex.signal.aborted && ex.retry?.()) {
        cleanup(ex);
        return;
      }
      cleanup(ex);
      ex.reject(ex.signal.aborted ? ex.signal.reason : e);
      return;
    }
    cleanup(ex);
    failBody(ex, ex.signal.aborted ? ex.signal.reason : e);
  }

  /** The exchange listens to the caller's signal (`handleEvent`) from its start until it ends. */
  function watchAbort(ex: Exchange) {
    ex.signal.addEventListener("abort", ex, { once: true });
  }

  function cleanup(ex: Exchange) {
    ex.signal.removeEventListener("abort", ex);
  }

  function receive(ex: Exchange, data: Uint8Array) {
    if (!ex.gotBytes) {
      ex.gotBytes = true;
      // Past the point of a retry: the request's bytes (and the closure that could resend them) go.
      ex.request = undefined;
      ex.retry = undefined;
      // Nothing of a request is written once its answer begins: the caller may reuse its buffer
      // (signed-http.ts lends JSON bodies), and a server answering early has stopped reading.
      if (ex.conn.unsent) {
        ex.conn.unsent = undefined;
        ex.cutShort = true;
      }
    }
    if (!ex.answered) {
      const head: Buffer = ex.head
        ? Buffer.concat([ex.head, data])
        : Buffer.from(data.buffer, data.byteOffset, data.length);
      const end = head.indexOf(CRLF2);
      if (end < 0) {
        if (head.length > MAX_HEAD) throw netError("the answer's headers are too large", "HPE_HEADER_OVERFLOW");
        ex.head = Buffer.from(head); // own copy: the socket's buffer is not kept
        return;
      }
      ex.head = undefined;
      const rest = head.subarray(end + 4);
      if (!answer(ex, head.toString("latin1", 0, end))) return receive(ex, rest); // 1xx: the real head follows
      if (rest.length > 0) body(ex, rest);
      return;
    }
    body(ex, data);
  }

  /** Parses the head and resolves the Response; false for an interim (1xx) answer. */
  function answer(ex: Exchange, head: string): boolean {
    const lines = head.split("\r\n");
    const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0] ?? "");
    if (!m) throw netError(`not an HTTP answer: '${(lines[0] ?? "").slice(0, 40)}'`, "HPE_INVALID_CONSTANT");
    const status = Number(m[2]);
    if (status >= 100 && status < 200) {
      if (status === 101) throw netError("unexpected protocol switch", "HPE_INVALID_CONSTANT");
      return false;
    }
    if (status < 200 || status > 599) throw netError(`bad status ${status}`, "HPE_INVALID_STATUS");
    const headers = new Headers();
    let previous: string | undefined;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      if ((line[0] === " " || line[0] === "\t") && previous) {
        // Obsolete line folding: a continuation of the previous header's value.
        headers.append(previous, line.trim());
        continue;
      }
      const colon = line.indexOf(":");
      if (colon <= 0) throw netError(`bad header line '${line.slice(0, 40)}'`, "HPE_INVALID_HEADER_TOKEN");
      previous = line.slice(0, colon).trim();
      headers.append(previous, line.slice(colon + 1).trim());
    }
    const connection = headers.get("connection")?.toLowerCase() ?? "";
    ex.keepAlive = m[1] === "1" ? !connection.includes("close") : connection.includes("keep-alive");
    const te = headers.get("transfer-encoding")?.toLowerCase();
    const cl = headers.get("content-length");
    if (ex.method === "HEAD" || NO_BODY.has(status)) ex.framing = { kind: "none" };
    else if (te?.includes("chunked")) ex.framing = { kind: "chunked", decoder: new ChunkedDecoder() };
    else if (cl !== null) {
      const n = Number(cl);
      if (!/^\d+$/.test(cl.trim()) || !Number.isSafeInteger(n))
        throw netError(`bad content-length '${cl}'`, "HPE_INVALID_CONTENT_LENGTH");
      ex.framing = { kind: "length", left: n };
    } else {
      ex.framing = { kind: "close" };
      ex.keepAlive = false;
    }
    ex.answered = true;
    const meta = { status, statusText: m[3] ?? "", headers };
    const conn = ex.conn;
    if (ex.framing.kind === "none" || (ex.framing.kind === "length" && ex.framing.left === 0)) {
      complete(ex);
      ex.resolve(new Response(null, meta));
      return true;
    }
    if (ex.pushBody && status < 300) {
      const res = new Response(null, meta);
      taps.set(res, (sink) => tapExchange(ex, sink));
      ex.resolve(res);
      return true;
    }
    // High-water mark 0: `pull` means a read waits, so the body goes to the reader only once
    // someone reads it, and a tap can take it before that. Paused at HIGH_WATER bytes queued.
    const stream = new ReadableStream<Uint8Array>(
      {
        start(c) {
          ex.controller = c;
        },
        pull() {
          if (ex.outlet === "undecided") takeBody(ex, "reader");
          if (!ex.finished) conn.socket?.resume();
        },
        cancel() {
          abandon(ex);
        },
      },
      { highWaterMark: 0, size: (chunk) => chunk?.byteLength ?? 0 },
    );
    const res = new Response(stream, meta);
    taps.set(res, (sink) => tapExchange(ex, sink));
    ex.resolve(res);
    return true;
  }

  /** The reader or the tap stopped wanting the body: the connection is not reused. */
  function abandon(ex: Exchange) {
    if (ex.finished) return;
    ex.finished = true;
    ex.keepAlive = false;
    cleanup(ex);
    const conn = ex.conn;
    if (conn.ex === ex) conn.ex = undefined;
    conn.socket?.terminate();
  }

  function body(ex: Exchange, data: Uint8Array) {
    if (ex.finished) return;
    const f = ex.framing;
    if (f.kind === "length") {
      if (data.length > f.left) {
        ex.keepAlive = false; // more bytes than announced: the connection is not trusted again
        data = data.subarray(0, f.left);
      }
      f.left -= data.length;
      if (data.length > 0) deliver(ex, data);
      if (f.left === 0 && !ex.finished) {
        complete(ex);
        endBody(ex);
      }
    } else if (f.kind === "chunked") {
      const out: Uint8Array[] = [];
      f.decoder.push(data, out);
      // A tap may stop the exchange from inside a delivery (its stream's end was decoded).
      for (let i = 0; i < out.length && !ex.finished; i++) deliver(ex, out[i]!);
      if (f.decoder.done && !ex.finished) {
        complete(ex);
        endBody(ex);
      }
    } else if (f.kind === "close") {
      deliver(ex, data);
    }
  }

  /** Body bytes to wherever the body goes; the socket pauses while a reader is HIGH_WATER behind. */
  function deliver(ex: Exchange, data: Uint8Array) {
    if (ex.outlet === "tap") return ex.tap!.next(data);
    if (ex.outlet === "reader") {
      const c = ex.controller!;
      c.enqueue(data);
      if ((c.desiredSize ?? 0) <= -HIGH_WATER) ex.conn.socket?.pause();
      return;
    }
    ex.early.push(data);
    ex.earlyBytes += data.length;
    if (ex.earlyBytes >= HIGH_WATER) ex.conn.socket?.pause();
  }

  function endBody(ex: Exchange) {
    if (ex.outlet === "tap") ex.tap!.end();
    else if (ex.outlet === "reader") ex.controller?.close();
    else ex.earlyEnd ??= { failed: false };
  }

  function failBody(ex: Exchange, e: unknown) {
    if (ex.outlet === "tap") ex.tap!.fail(e);
    else if (ex.outlet === "reader") {
      try {
        ex.controller?.error(e);
      } catch {
        // The reader already cancelled.
      }
    } else ex.earlyEnd ??= { error: e, failed: true };
  }

  /** The body's first taker gets what arrived before it, and how the body ended if it did. */
  function takeBody(ex: Exchange, outlet: "reader" | "tap") {
    ex.outlet = outlet;
    const early = ex.early;
    ex.early = [];
    ex.earlyBytes = 0;
    for (const b of early) deliver(ex, b);
    const end = ex.earlyEnd;
    if (end) {
      if (end.failed) failBody(ex, end.error);
      else endBody(ex);
    }
  }

  function tapExchange(ex: Exchange, sink: FlowSink<Uint8Array>): FlowControl | undefined {
    if (ex.outlet !== "undecided") return undefined;
    ex.tap = sink;
    takeBody(ex, "tap");
    // Paused if HIGH_WATER bytes came before the tap; a tap takes what comes until it pauses.
    if (!ex.finished) ex.conn.socket?.resume();
    return new TapControl(ex, abandon);
  }

  function complete(ex: Exchange) {
    ex.finished = true;
    cleanup(ex);
    ex.done(ex.conn, ex.keepAlive && !ex.cutShort && !ex.signal.aborted);
  }

  function connect(conn: Conn, u: URL) {
    const hostname = u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname;
    const port = Number(u.port) || (conn.tls ? 443 : 80);
    const isIp = /^[\d.]+$/.test(hostname) || hostname.includes(":");
    // Never an empty object: Bun reads `tls: {}` as no TLS at all.
    const tls = conn.tls
      ? { rejectUnauthorized: true, ...(isIp ? {} : { serverName: hostname }), ...(o.ca ? { ca: o.ca } : {}) }
      : undefined;
    Bun.connect<Conn>({ hostname, port, tls, data: conn, socket: handlers }).catch((e) => fail(conn, e));
  }

  function take(key: string): Conn | undefined {
    const list = idle.get(key);
    while (list && list.length > 0) {
      const conn = list.pop()!;
      if (list.length === 0) idle.delete(key);
      if (!conn.closed && conn.socket) return conn;
    }
    return undefined;
  }

  return {
    request(u, init) {
      return new Promise<Response>((resolve, reject) => {
        const { signal } = init;
        if (signal.aborted) return reject(signal.reason);
        const request = encodeRequest(u, init);
        const tls = u.protocol === "https:";
        const key = `${u.protocol}//${u.host}`;
        let retried = false;
        const start = (fresh: boolean) => {
          const ex = new Exchange(
            request,
            init.method,
            init.pushBody === true,
            signal,
            resolve,
            reject,
            () => {
              if (retried) return false;
              retried = true;
              start(true);
              return true;
            },
            finish,
            fail,
          );
          watchAbort(ex);
          const pooled = fresh ? undefined : take(key);
          if (pooled) {
            ex.conn = pooled;
            pooled.ex = ex;
            pooled.socket!.timeout(0);
            send(pooled);
            return;
          }
          const conn: Conn = { key, socket: undefined, ex, reused: false, unsent: undefined, closed: false, tls };
          ex.conn = conn;
          connect(conn, u);
        };
        start(false);
      });
    },
    idleCount() {
      let n = 0;
      for (const list of idle.values()) n += list.length;
      return n;
    },
    closeIdle() {
      for (const list of idle.values()) for (const c of list) c.socket?.end();
      idle.clear();
    },
  };
}

/**
 * The request's bytes, as the parts to write: the head (header values are byte strings) and the
 * body — one buffer when the body is small (one write, one packet), the body as it is beside the
 * head when large (copying 100 KB behind the head cost more than a second write).
 */
function encodeRequest(u: URL, init: UpstreamRequest): Uint8Array[] {
  let head = `${init.method} ${u.pathname}${u.search} HTTP/1.1\r\n`;
  let host = false;
  let length = false;
  init.headers.forEach((value, name) => {
    if (name === "host") host = true;
    else if (name === "content-length") length = true;
    head += `${name}: ${value}\r\n`;
  });
  if (!host) head += `host: ${u.host}\r\n`;
  const body = typeof init.body === "string" ? utf8.encode(init.body) : init.body;
  if (body !== undefined && !length) head += `content-length: ${body.byteLength}\r\n`;
  head += "\r\n";
  const headBytes = Buffer.from(head, "latin1");
  if (!body || body.byteLength === 0) return [headBytes];
  if (body.byteLength > SMALL_BODY) return [headBytes, body];
  const out = Buffer.allocUnsafe(headBytes.length + body.byteLength);
  headBytes.copy(out, 0);
  out.set(body, headBytes.length);
  return [out];
}
