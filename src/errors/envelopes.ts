import type { ApiError } from "./api-error";

/** `{"error": {message, type, param, code}}` — what OpenAI SDKs parse into their error classes. */
export function openAiEnvelope(e: ApiError) {
  return { error: { message: e.message, type: e.type, param: e.param, code: e.code } };
}

/** `{"error": "..."}` plus optional suggestion/details — the seed's direct-route shape. */
export function directEnvelope(e: ApiError) {
  return {
    error: e.message,
    ...(e.suggestion !== undefined ? { suggestion: e.suggestion } : {}),
    ...(e.details !== undefined ? { details: e.details } : {}),
  };
}

/** Which envelope a path gets: every OpenAI-shaped route lives under a `v1/` segment. */
export function isOpenAiPath(pathname: string): boolean {
  return pathname.startsWith("/v1/") || pathname === "/v1" || /^\/genai\/[^/]+\/v1(\/|$)/.test(pathname);
}
