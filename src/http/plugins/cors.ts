import { cors as elysiaCors } from "@elysiajs/cors";

/**
 * Exact origins from CORS_ORIGINS, or `*` — always without credentials, so no origin is ever
 * reflected together with cookies or auth.
 */
export const cors = (origins: string[] | "*") =>
  elysiaCors({
    origin: origins === "*" ? "*" : origins,
    credentials: false,
    methods: ["GET", "POST", "DELETE", "OPTIONS"],
    allowedHeaders: ["authorization", "x-api-key", "content-type", "x-request-id", "x-channel", "x-cuid"],
    exposeHeaders: ["x-request-id", "x-oci-request-id", "x-ocigenai-served-by", "retry-after"],
    maxAge: 600,
  });
