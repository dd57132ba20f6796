import { cors as elysiaCors } from "@elysiajs/cors";

/**
 * Exact origins from CORS_ORIGINS, or `*` — always without credentials, so no origin is ever
 * reflected together with cookies or auth. Any request header is allowed (`*`, which a request
 * without credentials may use; `authorization` is never covered by it, so it is named): the SDKs
 * in a browser send their own (`anthropic-version`, `anthropic-dangerous-direct-browser-access`,
 * `openai-beta`, `x-stainless-*` …), and one missing from a list fails the whole preflight.
 */
export const cors = (origins: string[] | "*") =>
  elysiaCors({
    origin: origins === "*" ? "*" : origins,
    credentials: false,
    methods: ["GET", "POST", "DELETE", "OPTIONS"],
    allowedHeaders: ["authorization", "x-api-key", "content-type", "x-request-id", "x-channel", "x-cuid", "*"],
    exposeHeaders: ["x-request-id", "x-oci-request-id", "x-ocigenai-served-by", "retry-after"],
    maxAge: 600,
  });
