import type { NodeHttpFetch, UpstreamRequest } from "./node-http-fetch";
import { proxyFor } from "./proxy-env";
import { createSocketHttp, type SocketHttp } from "./socket-http";

/**
 * How the transport sends its signed requests to OCI (docs/deploy.md#how-upstream-calls-are-sent).
 *
 * - Inference calls go through socket-http.ts, our HTTP/1.1 client on Bun's native sockets: no
 *   limit on calls at once (Bun's fetch runs 256 unless a variable is set at launch), and the
 *   least memory per open stream of the three clients measured (BENCHMARKS.md).
 * - Calls whose answer is handed on to the client as it arrives (`direct`: file downloads and
 *   the control plane) use node:http, whose agent is the most tried for large bodies.
 * - Requests that must go through an HTTP proxy (`HTTPS_PROXY` / `HTTP_PROXY`, minus `NO_PROXY`)
 *   use Bun's fetch, which implements proxies; with a proxy set, `serve` raises fetch's limit at
 *   launch (server/launch.ts).
 */

export type { UpstreamRequest };

export interface UpstreamSender {
  /** `direct`: a call whose body the transport hands on as it arrives (file downloads). */
  send(url: string, init: UpstreamRequest, direct?: boolean): Promise<Response>;
}

export function createUpstreamSender(
  env: Record<string, string | undefined> = process.env,
  sockets: SocketHttp = createSocketHttp(),
): UpstreamSender {
  // node:http is loaded at the first body handed on, not at start-up (~10 ms of module work).
  let nodeHttp: Promise<NodeHttpFetch> | undefined;
  const viaNodeHttp = async (u: URL, init: UpstreamRequest) => {
    nodeHttp ??= import("./node-http-fetch").then((m) => m.loadNodeHttpFetch());
    return (await nodeHttp)(u, init);
  };
  return {
    send(url, init, direct = false) {
      const u = new URL(url);
      const proxy = proxyFor(u, env);
      const web = u.protocol === "http:" || u.protocol === "https:";
      if (!proxy && web && !direct) return sockets.request(u, init);
      // These clients may still hold the body when the caller takes a lent buffer back, at the
      // answer's headers: they get their own copy of one (an upload's bytes are not lent).
      const own = init.lent && init.body instanceof Uint8Array ? { ...init, body: init.body.slice() } : init;
      if (proxy || !web) {
        const { method, headers, signal } = own;
        return fetch(url, { method, headers, body: own.body as BodyInit | undefined, signal, proxy });
      }
      return viaNodeHttp(u, own);
    },
  };
}
