import { ApiError } from "./api-error";
import type { UpstreamError } from "./upstream-error";

/** The single choke point where OCI failures become client-facing errors (docs/api/README.md#status-codes). */
export function mapUpstreamError(e: UpstreamError): ApiError {
  const { status, code, opcRequestId, retryAfter } = e.init;
  const ociRequestId = opcRequestId;
  const said = `OCI${code ? ` (${code})` : ""}: ${e.message}`;
  switch (e.failure) {
    case "timeout":
      return new ApiError(504, `OCI did not answer before the deadline: ${e.message}`, {
        type: "timeout_error",
        code: "upstream_timeout",
        ociRequestId,
      });
    case "idle":
      return new ApiError(504, `OCI stream went silent: ${e.message}`, {
        type: "timeout_error",
        code: "upstream_idle_timeout",
        ociRequestId,
      });
    case "network":
      return new ApiError(502, `OCI is unreachable: ${e.message}`, {
        type: "upstream_error",
        code: "upstream_unreachable",
        ociRequestId,
      });
    case "bad_response":
      return new ApiError(502, `OCI sent an answer this gateway cannot read: ${e.message}`, {
        type: "upstream_error",
        code: "bad_upstream_response",
        ociRequestId,
      });
    case "http":
      break;
    default: {
      const never: never = e.failure;
      return new ApiError(502, `Unexpected upstream failure ${String(never)}`, { type: "upstream_error" });
    }
  }
  switch (status) {
    case 400:
    case 422:
      return new ApiError(400, said, {
        type: "invalid_request_error",
        code: code ?? "upstream_bad_request",
        ociRequestId,
      });
    case 401:
    case 403:
      return new ApiError(
        502,
        `OCI rejected this gateway's credentials (${status}${code ? ` ${code}` : ""}: ${e.message}). Check credentials.conf (user, fingerprint, key_file, tenancy) and the IAM policies.`,
        {
          type: "upstream_error",
          code: "upstream_auth_failed",
          ociRequestId,
        },
      );
    case 404:
      return new ApiError(404, said, { type: "not_found_error", code: "model_not_found", ociRequestId });
    case 409:
      return new ApiError(409, said, { type: "conflict_error", code: code ?? "conflict", ociRequestId });
    case 413:
      return new ApiError(413, said, { type: "invalid_request_error", code: "request_too_large", ociRequestId });
    case 429:
      return new ApiError(429, said, {
        type: "rate_limit_error",
        code: "rate_limit_exceeded",
        ociRequestId,
        headers: retryAfter ? { "retry-after": retryAfter } : {},
      });
    case 503:
      // OCI's Retry-After on an outage goes along too: the SDKs honour it on a 503 as on a 429.
      return new ApiError(503, said, {
        type: "service_unavailable",
        code: "upstream_unavailable",
        ociRequestId,
        headers: retryAfter ? { "retry-after": retryAfter } : {},
      });
    default:
      return new ApiError(502, `OCI failed (${status ?? "no status"}): ${said}`, {
        type: "upstream_error",
        code: "upstream_error",
        ociRequestId,
      });
  }
}
