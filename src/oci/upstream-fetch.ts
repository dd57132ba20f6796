import http from "node:http";
import https from "node:https";
import { proxyFor } from "./proxy-env";

/**
 * How the gateway sends its signed requests to OCI: `node:http(s)` with keep-alive agents, answered
 * as a web `Response` so the rest of the transport reads bodies and streams as it would from fetch.
 *
 * Why not the runtime's `fetch`: Bun runs its fetches on one client thread that takes at most 256
 * requests at once unless `BUN_CONFIG_MAX_HTTP_REQUESTS` was in the environment when the process
 * started, so holding 1,000 upstream streams needed the process to relaunch itself (~50 ms of
 * start-up); that thread also costs a fifth of a core beside the JavaScript one under load, which
 * is what kept two workers on two cores from doubling one's throughput. `node:http` in Bun has
 * neither limit and does its I/O on the event loop (docs/deploy.md#how-upstream-calls-are-sent).
 *
 * Requests that must go through an HTTP proxy (`HTTPS_PROXY` / `HTTP_PROXY`, minus `NO_PROXY`)
 * still use `fetch`, which implements proxies; with a proxy set, `serve` still raises Bun's limit
 * at launch (server/launch.ts).
 *
 * No `Accept-Encoding` is sent, so OCI answers uncompressed (as fetch did after decompressing).
 */
export interface UpstreamRequest {
  method: string;
  headers: Headers;
  body?: string | Uint8Array;
  signal: AbortSignal;
}

export type UpstreamFetch = (url: string, init: UpstreamRequest) => Promise<Response>;

/** Statuses whose answers have no body (a Response refuses one). */
const NO_BODY = new Set([101, 204, 205, 304]);
/** Bytes buffered from a socket before it is paused until the reader catches up. */
const HIGH_WATER = 64 * 1024;

export function createUpstreamFetch(env: Record<string, string | undefined> = process.env): UpstreamFetch {
  const agents: Record<string, http.Agent> = {
    "http:": new http.Agent({ keepAlive: true, scheduling: "lifo" }),
    "https:": new https.Agent({ keepAlive: true, scheduling: "lifo" }),
  };
  return (url, init) => {
    const u = new URL(url);
    const agent = agents[u.protocol];
    const proxy = proxyFor(u, env);
    if (!agent || proxy) {
      const { method, headers, signal } = init;
      return fetch(url, { method, headers, body: init.body as BodyInit | undefined, signal, proxy });
    }
    return send(u, init, agent);
  };
}

function send(u: URL, init: UpstreamRequest, agent: http.Agent): Promise<Response> {
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
    const request = (u.protocol === "https:" ? https : http).request({
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
