import { ValidationError } from "elysia";
import { ApiError, badRequest, routeNotFound } from "./api-error";
import { fromValidation } from "./from-validation";
import { mapUpstreamError } from "./map-upstream-error";
import { UpstreamError } from "./upstream-error";

/** Where an error happened, for the messages that name the route. */
export interface ErrorSite {
  /** Elysia's error code when Elysia raised it (VALIDATION, PARSE, NOT_FOUND, …). */
  code?: unknown;
  method?: string;
  path?: string;
  /** The request's content type: a body that would not parse is named as what it claimed to be. */
  contentType?: string | null;
  /** The client went away (a body cut off mid-upload fails to parse for that reason). */
  aborted?: boolean;
}

/**
 * Any thrown value → the ApiError the client is told about: ours as they are, OCI's failures
 * through the upstream mapping, Elysia's validation, parse and not-found errors, a client that
 * left, and anything unexpected as a 500 without its stack.
 */
export function toApiError(error: unknown, site: ErrorSite = {}): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof UpstreamError) return mapUpstreamError(error);
  // Elysia wraps whatever a parser throws (our 400/413 included) in a ParseError; unwrap it.
  if (site.code === "PARSE" && error instanceof Error && error.cause !== undefined) {
    const inner = error.cause;
    if (inner instanceof ApiError || inner instanceof UpstreamError) return toApiError(inner);
  }
  if (site.code === "VALIDATION" && error instanceof ValidationError) {
    if (error.type === "params" && site.path !== undefined && !decodes(site.path))
      return badRequest("Malformed percent-encoding in the request path", null, "invalid_path");
    return fromValidation(error);
  }
  if (site.code === "NOT_FOUND") return routeNotFound(site.method ?? "?", site.path ?? "?");
  // A body cut off by a client that left fails to parse for that reason; any other error while
  // the client leaves is still what it is (a bug is logged as one, not hidden as a 499).
  if ((site.aborted && site.code === "PARSE") || (error instanceof DOMException && error.name === "AbortError")) {
    return new ApiError(499, "Client closed the request", { type: "invalid_request_error", code: "client_closed" });
  }
  if (site.code === "PARSE" && site.contentType?.startsWith("multipart/form-data"))
    return badRequest("Malformed request body: expected multipart/form-data with its boundary", null, "invalid_body");
  if (site.code === "PARSE") return badRequest("Malformed request body: expected JSON", null, "invalid_json");
  return new ApiError(500, "Internal error in the gateway; see its logs with this request id", {
    type: "server_error",
    code: "internal_error",
  });
}

function decodes(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}
