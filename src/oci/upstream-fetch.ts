import { nodeHttpAgents, nodeHttpFetch, type UpstreamRequest } from "./node-http-fetch";
import { proxyFor } from "./proxy-env";

/**
 * How the transport sends its signed requests to OCI (docs/deploy.md#how-upstream-calls-are-sent).
 *
 * Bun's fetch is the fast way (its own I/O thread; measured ~10 % less CPU per call and ~0.5 ms
 * sooner to a stream's first event than node:http), but it runs at most 256 requests at once
 * unless `BUN_CONFIG_MAX_HTTP_REQUESTS` was set when the process started, and a gateway must hold
 * 1,000 streams as shipped. So calls use fetch while fewer than its limit (less some headroom for
 * the image fetcher) are open, and node:http beyond that, which has no limit. A call holds its
 * fetch slot until the transport says it is done with the answer (`release`), as Bun holds it
 * until the body has been read. Thus no relaunch is needed to raise the limit, and start-up
 * stays ~50 ms shorter.
 *
 * Requests that must go through an HTTP proxy (`HTTPS_PROXY` / `HTTP_PROXY`, minus `NO_PROXY`)
 * always use fetch, which implements proxies; with a proxy set, `serve` raises Bun's limit at
 * launch instead (server/launch.ts).
 */

export type { UpstreamRequest };

export interface UpstreamSender {
  /** `direct`: a call whose body the transport hands on (file downloads) and never releases. */
  send(url: string, init: UpstreamRequest, direct?: boolean): Promise<Response>;
  /** The transport is done with this answer (read, cancelled or failed); idempotent. */
  release(res: Response | undefined): void;
  /** Fetch slots in use (tests, metrics). */
  fetchesOpen(): number;
}

/** Bun's fetch limit when nothing raised it. */
const BUN_DEFAULT_FETCHES = 256;
/** Left for the other fetches of the process (remote images). */
const HEADROOM = 16;

export function createUpstreamSender(env: Record<string, string | undefined> = process.env): UpstreamSender {
  const agents = nodeHttpAgents();
  const raised = Number(env.BUN_CONFIG_MAX_HTTP_REQUESTS);
  const slots = Math.max(1, (Number.isInteger(raised) && raised > 0 ? raised : BUN_DEFAULT_FETCHES) - HEADROOM);
  let open = 0;
  const leased = new WeakSet<Response>();
  const viaFetch = (url: string, init: UpstreamRequest, proxy?: string) => {
    const { method, headers, signal } = init;
    return fetch(url, { method, headers, body: init.body as BodyInit | undefined, signal, proxy });
  };
  return {
    async send(url, init, direct = false) {
      const u = new URL(url);
      const agent = agents[u.protocol];
      const proxy = proxyFor(u, env);
      if (!agent || proxy) return viaFetch(url, init, proxy);
      if (direct || open >= slots) return nodeHttpFetch(u, init, agent);
      open++;
      let res: Response;
      try {
        res = await viaFetch(url, init);
      } catch (e) {
        open--;
        throw e;
      }
      leased.add(res);
      return res;
    },
    release(res) {
      if (res && leased.delete(res)) open--;
    },
    fetchesOpen: () => open,
  };
}
