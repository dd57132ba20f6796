import type { ApiError } from "./api-error";

/**
 * The API families: sets of routes that share a request shape, a stream format and an error
 * envelope. Every route declares its family (see http/context.ts); errors are rendered in it.
 */
export type Family = "openai" | "responses" | "direct";

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

/** The body of an error answer in the family's shape, for JSON answers and stream error events. */
export function envelope(family: Family, e: ApiError): unknown {
  switch (family) {
    case "openai":
    case "responses": // the Responses API answers errors in OpenAI's envelope too
      return openAiEnvelope(e);
    case "direct":
      return directEnvelope(e);
    default: {
      const never: never = family;
      throw new Error(`unknown family ${String(never)}`);
    }
  }
}
