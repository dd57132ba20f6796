import type { ApiError } from "./api-error";

/**
 * The API families: sets of routes that share a request shape, a stream format and an error
 * envelope. Every route declares its family (see http/context.ts); errors are rendered in it.
 */
export type Family = "openai" | "responses" | "anthropic" | "direct";

/** `{"error": {message, type, param, code}}`: what OpenAI SDKs parse into their error classes. */
export function openAiEnvelope(e: ApiError) {
  return { error: { message: e.message, type: e.type, param: e.param, code: e.code } };
}

/** `{"error": "..."}` plus optional suggestion/details: the seed's direct-route shape. */
export function directEnvelope(e: ApiError) {
  return {
    error: e.message,
    ...(e.suggestion !== undefined ? { suggestion: e.suggestion } : {}),
    ...(e.details !== undefined ? { details: e.details } : {}),
  };
}

/**
 * `{"type": "error", "error": {type, message}}` with Anthropic's error type for the status (the
 * Anthropic SDKs and Claude Code read the type; our own `code` has no place there). 503 and 504
 * are `overloaded_error`: Anthropic's own 529 status is not used (docs/api/anthropic.md#errors).
 */
export function anthropicEnvelope(e: ApiError) {
  return { type: "error", error: { type: anthropicErrorType(e.status), message: e.message } };
}

export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
    case 405:
    case 409:
    case 415:
    case 422:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
    case 504:
    case 529:
      return "overloaded_error";
    default:
      return status < 500 ? "invalid_request_error" : "api_error";
  }
}

/** The body of an error answer in the family's shape, for JSON answers and stream error events. */
export function envelope(family: Family, e: ApiError): unknown {
  switch (family) {
    case "openai":
    case "responses": // the Responses API answers errors in OpenAI's envelope too
      return openAiEnvelope(e);
    case "anthropic":
      return anthropicEnvelope(e);
    case "direct":
      return directEnvelope(e);
    default: {
      const never: never = family;
      throw new Error(`unknown family ${String(never)}`);
    }
  }
}
