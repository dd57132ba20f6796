import { Elysia } from "elysia";
import type { Logger } from "../../observability/logger";
import { requestInfo } from "../request-info";

/** One JSON line per request: who (key id), what (route, alias), how it went, how long. No bodies. */
export function accessLog(log: Logger) {
  return new Elysia({ name: "access-log" })
    .onAfterResponse(({ request, set, route }) => {
      const info = requestInfo(request);
      log.info("request", {
        requestId: info.id,
        method: request.method,
        route: route || new URL(request.url).pathname,
        alias: info.alias,
        status: typeof set.status === "number" ? set.status : 200,
        durationMs: Math.round((performance.now() - info.startedAt) * 10) / 10,
        keyId: info.keyId,
        ociRequestId: info.ociRequestId,
        tokens: info.tokens,
      });
    })
    .as("global");
}
