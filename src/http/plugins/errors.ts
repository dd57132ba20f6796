import { Elysia } from "elysia";
import { envelope } from "../../errors/envelopes";
import { toApiError } from "../../errors/to-api-error";
import type { Logger } from "../../observability/logger";
import type { Metrics } from "../../observability/metrics";
import { context } from "../context";

/**
 * The one place errors become JSON answers, in the family the route declares: ApiError, OCI's
 * failures, Elysia's validation, parse and not-found errors, and anything unexpected (logged,
 * never shown with a stack). Streams that fail after their first byte use the same mapping
 * through their family's error event (http/respond.ts).
 */
export function errors(log: Logger, metrics: Metrics) {
  return new Elysia({ name: "errors" })
    .use(context)
    .onError(({ call, code, error, request, path }) => {
      const e = toApiError(error, {
        code,
        method: request.method,
        path,
        contentType: request.headers.get("content-type"),
        aborted: request.signal.aborted,
      });
      metrics.ociErrorOf(error);
      if (e.status >= 500 && e.type === "server_error") {
        log.error("unhandled error", {
          requestId: call?.id,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
      }
      const headers: Record<string, string> = {
        "content-type": "application/json",
        ...call?.answerHeaders,
        ...e.headers,
      };
      if (call) {
        call.status = e.status;
        headers["x-request-id"] = call.id;
      }
      if (e.ociRequestId) {
        if (call) call.ociRequestId = e.ociRequestId;
        headers["x-oci-request-id"] = e.ociRequestId;
      }
      return new Response(JSON.stringify(envelope(call?.family ?? "direct", e)), { status: e.status, headers });
    })
    .as("global");
}
