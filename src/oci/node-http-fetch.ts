import type http from "node:http";

/**
 * One request over `node:http(s)`, answered as a web `Response` (body streamed, paused at the
 * socket while the reader is behind), so the transport reads it as it reads the others. Used for
 * the calls whose answer is handed on as it arrives — Object Storage downloads, the control
 * plane (upstream-sender.ts). No `Accept-Encoding` is sent, so answers come uncompressed.
 */

/** One signed request, as the transport hands it to a sender. */
export interface UpstreamRequest {
  method: string;
  headers: Headers;
  body?: string | Uint8Array;
  signal: AbortSignal;
  /**
   * The caller will take a successful answer's body with socket-http's `tapBody`, not read it:
   * socket-http then makes no web stream for it. Other senders ignore it (their bodies are read).
   */
  pushBody?: boolean;
  /**
   * The body is a buffer lent for this call (signed-http.ts), taken back once the answer's
   * headers came: a client that may still hold it then gets its own copy (upstream-sender.ts).
   */
  lent?: boolean;
}

/** Statuses whose answers have no body (a Response refuses one). */
const NO_BODY = new Set([101, 204, 205, 304]);
/** Bytes buffered from a socket before it is paused until the reader catches up. */
const HIGH_WATER = 64 * 1024;

/** A node:http client: one request at a time, over connections kept alive per scheme. */
export type NodeHttpFetch = (u: URL, init: UpstreamRequest) => Promise<Response>;

/**
 * Loads node:http and node:https and answers a client with its own kept-alive connections. The
 * modules are imported here, when first needed, not by a static import: the bundler hoists a
 * built-in's static import to the top of the binary, which would load node:http (and its streams)
 * at every start-up (~10 ms) even though this file's code runs only for bodies handed on.
 */
export async function loadNodeHttpFetch(): Promise<NodeHttpFetch> {
  const [{ default: http }, { default: https }] = await Promise.all([import("node:http"), import("node:https")]);
  const plain = { open: http.request, agent: new http.Agent({ keepAlive: true, scheduling: "lifo" }) };
  const tls = { open: https.request, agent: new https.Agent({ keepAlive: true, scheduling: "lifo" }) };
  return (u, init) => {
    const via = u.protocol === "https:" ? tls : plain;
    return nodeHttpFetch(via.open, u, init, via.agent);
  };
}

function nodeHttpFetch(open: typeof http.request, u: URL, init: UpstreamRequest, agent: http.Agent): Promise<Response> {
  const { method, signal } = init;
  const headers: Record<string, string> = {};
  init.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (init.body !== undefined && headers["content-length"] === undefined)
    headers["content-length"] = String(
      typeof init.body === "string" ? Buffer.byteLength(init.body) : init.body.byteLength,
    );
  return new Promise<Response>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const request = open({
      protocol: u.protocol,
      hostname: u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname,
      port: u.port || undefined,
      path: `${u.pathname}${u.search}`,
      method,
      headers,
      agent,
    });
    let settled = false;
    const onAbort = () => request.destroy(asError(signal.reason));
    signal.addEventListener("abort", onAbort, { once: true });
    const detach = () => signal.removeEventListener("abort", onAbort);
    request.on("error", (e) => {
      detach();
      if (!settled) {
        settled = true;
        reject(signal.aborted ? signal.reason : e);
      }
    });
    request.on("response", (res) => {
      settled = true;
      const status = res.statusCode ?? 502;
      const answerHeaders = new Headers();
      const raw = res.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) answerHeaders.append(raw[i]!, raw[i + 1]!);
      const meta = { status, statusText: res.statusMessage ?? "", headers: answerHeaders };
      if (method === "HEAD" || NO_BODY.has(status)) {
        res.resume();
        res.on("end", detach);
        resolve(new Response(null, meta));
        return;
      }
      resolve(new Response(bodyOf(res, request, detach), meta));
    });
    request.setNoDelay(true);
    request.end(init.body);
  });
}

/** The answer's bytes as a web stream, paused at the socket while the reader is behind. */
function bodyOf(res: http.IncomingMessage, request: http.ClientRequest, detach: () => void) {
  let ended = false;
  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        res.on("data", (chunk: Buffer) => {
          c.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((c.desiredSize ?? 1) <= 0) res.pause();
        });
        res.on("end", () => {
          ended = true;
          detach();
          c.close();
        });
        res.on("error", (e) => {
          if (ended) return;
          ended = true;
          detach();
          c.error(e);
        });
        // A connection cut before the end must not look like a complete answer.
        res.on("close", () => {
          if (ended) return;
          ended = true;
          detach();
          c.error(Object.assign(new Error("the connection closed before the answer ended"), { code: "ECONNRESET" }));
        });
      },
      pull() {
        res.resume();
      },
      cancel() {
        ended = true;
        detach();
        request.destroy();
      },
    },
    { highWaterMark: HIGH_WATER, size: (chunk) => chunk?.byteLength ?? 0 },
  );
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason ?? "aborted"));
}
