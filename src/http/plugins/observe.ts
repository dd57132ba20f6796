import { Elysia } from "elysia";
import type { Logger } from "../../observability/logger";
import type { Metrics } from "../../observability/metrics";
import type { UpstreamLedger } from "../../observability/upstream-ledger";
import { context } from "../context";
import type { RequestState } from "../request-state";

/**
 * One JSON line and one set of metrics per request, when it is really over: at the response for
 * plain answers, when the stream closes for SSE. No bodies, no secrets: the key appears as its
 * id and its name (the team's, or `env:<id>`).
 */
export function observe(o: { log: Logger; metrics: Metrics; ledger: UpstreamLedger }) {
  const finish = (call: RequestState, method: string) => {
    const seconds = (performance.now() - call.startedAt) / 1000;
    const status = call.status ?? 200;
    const route = call.route?.pattern ?? "unmatched";
    const upstream = o.ledger.take(call.id);
    const tokens = call.usage && {
      prompt: call.usage.inputTokens,
      completion: call.usage.outputTokens,
      estimated: call.usage.estimated,
    };
    if (call.counted) o.metrics.activeRequests.dec();
    o.metrics.request(route, call.alias, status, seconds);
    if (tokens) o.metrics.tokens(call.alias, tokens.prompt, tokens.completion, tokens.estimated === true);
    if (call.firstTokenMs !== undefined) o.metrics.timeToFirstToken(call.alias, call.firstTokenMs / 1000);
    o.log.info("request", {
      requestId: call.id,
      method,
      route,
      alias: call.alias,
      status,
      durationMs: round(seconds * 1000),
      upstreamMs: upstream ? round(upstream.ms) : undefined,
      attempts: upstream && upstream.attempts > upstream.calls ? upstream.attempts : undefined,
      ttftMs: call.firstTokenMs === undefined ? undefined : round(call.firstTokenMs),
      keyId: call.keyId,
      key: call.key?.name,
      servedBy: call.servedBy,
      tried: call.tried,
      ociRequestId: call.ociRequestId,
      tokens,
      stream: call.isStream ? true : undefined,
    });
  };
  return new Elysia({ name: "observe" })
    .use(context)
    .onRequest(({ call, request }) => {
      // Counted here and uncounted only if counted: a request refused before this hook (a
      // missing Host) never was. A CORS preflight (every OPTIONS) is answered by the CORS
      // plugin's request hook, where Elysia runs no after-response hook: never counted nor logged.
      if (request.method === "OPTIONS") return;
      o.metrics.activeRequests.inc();
      call.counted = true;
    })
    .onAfterResponse(({ call, request, set, responseValue }) => {
      if (!call) return;
      call.status ??=
        responseValue instanceof Response ? responseValue.status : typeof set.status === "number" ? set.status : 200;
      call.whenFinished(() => finish(call, request.method));
      call.responded();
    })
    .as("global");
}

const round = (n: number) => Math.round(n * 10) / 10;
