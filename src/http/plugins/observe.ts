import { Elysia } from "elysia";
import type { Logger } from "../../observability/logger";
import type { Metrics } from "../../observability/metrics";
import type { UpstreamLedger } from "../../observability/upstream-ledger";
import { type RequestInfo, requestInfo, whenFinished } from "../request-info";

/**
 * One JSON line and one set of metrics per request, when it is really over: at the response for
 * plain answers, when the stream closes for SSE. No bodies, no keys: the key appears as its id.
 */
export function observe(o: { log: Logger; metrics: Metrics; ledger: UpstreamLedger }) {
  const finish = (info: RequestInfo, method: string, route: string) => {
    const seconds = (performance.now() - info.startedAt) / 1000;
    const status = info.status ?? 200;
    const upstream = o.ledger.take(info.id);
    o.metrics.activeRequests.dec();
    o.metrics.request(route, info.alias, status, seconds);
    if (info.tokens) o.metrics.tokens(info.alias, info.tokens.prompt, info.tokens.completion);
    if (info.firstTokenMs !== undefined) o.metrics.timeToFirstToken(info.alias, info.firstTokenMs / 1000);
    o.log.info("request", {
      requestId: info.id,
      method,
      route,
      alias: info.alias,
      status,
      durationMs: round(seconds * 1000),
      upstreamMs: upstream ? round(upstream.ms) : undefined,
      attempts: upstream && upstream.attempts > upstream.calls ? upstream.attempts : undefined,
      ttftMs: info.firstTokenMs === undefined ? undefined : round(info.firstTokenMs),
      keyId: info.keyId,
      ociRequestId: info.ociRequestId,
      tokens: info.tokens,
      stream: info.stream ? true : undefined,
    });
  };
  return new Elysia({ name: "observe" })
    .onRequest(({ request }) => {
      requestInfo(request);
      o.metrics.activeRequests.inc();
    })
    .onAfterResponse(({ request, route, set, responseValue }) => {
      const info = requestInfo(request);
      info.status ??=
        responseValue instanceof Response ? responseValue.status : typeof set.status === "number" ? set.status : 200;
      const path = route || "unmatched";
      whenFinished(info, () => finish(info, request.method, path));
    })
    .as("global");
}

const round = (n: number) => Math.round(n * 10) / 10;
