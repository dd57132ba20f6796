import { Elysia } from "elysia";
import { badRequest, payloadTooLarge } from "../../errors/api-error";
import type { Logger } from "../../observability/logger";
import { context } from "../context";
import { exceedsJsonDepth } from "../json-depth";

/** Far beyond any real request (tool schemas included), far below what stalls the event loop. */
export const MAX_JSON_DEPTH = 64;

/**
 * Routes also declare `parse: "json"` so the OpenAPI document lists application/json; this
 * global hook runs first and answers, so Elysia's own JSON parser never does.
 *
 * Our JSON body parser: counts bytes as they arrive (a chunked body has no content-length to
 * trust), answers 413 past the limit, and turns malformed JSON into a clear 400. Bodies sent
 * without a JSON content type (curl -d) are read as JSON too; multipart is left to Elysia.
 */
export function jsonBody(limits: { maxJsonBytes: number; maxUploadBytes: number; logBodies?: Logger }) {
  return new Elysia({ name: "json-body" })
    .use(context)
    .onParse(async ({ call, request, contentType }) => {
      if (contentType?.startsWith("multipart/form-data")) {
        // Refused before Elysia reads it; the form overhead around the file gets 1 MB of slack.
        if (Number(request.headers.get("content-length") ?? 0) > limits.maxUploadBytes + 1024 * 1024)
          throw payloadTooLarge(limits.maxUploadBytes);
        return;
      }
      const text = await readLimited(request, limits.maxJsonBytes);
      if (text.trim() === "") return null;
      if (exceedsJsonDepth(text, MAX_JSON_DEPTH))
        throw badRequest(`Request body nests deeper than ${MAX_JSON_DEPTH} levels`, null, "too_deep");
      try {
        const body: unknown = withoutInheritedNames(JSON.parse(text));
        // Only when an operator asked for it twice (LOG_LEVEL=debug and LOG_BODIES=true): bodies hold prompts.
        limits.logBodies?.debug("request body", { requestId: call.id, body });
        return body;
      } catch (e) {
        throw badRequest(`Malformed JSON in request body: ${(e as Error).message}`, null, "invalid_json");
      }
    })
    .as("global");
}

/**
 * A top-level member named like one of Object.prototype's (`constructor`, `toString`,
 * `__proto__`…) is dropped: it is never a field of ours, and unknown fields are ignored — but the
 * request cleaner takes such a name for a known one and keeps it, and the body's top-level check
 * then refused it ("expected an object, got an object").
 */
function withoutInheritedNames(body: unknown): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
  for (const key of Object.keys(body)) if (key in Object.prototype) delete (body as Record<string, unknown>)[key];
  return body;
}

export async function readLimited(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (declared > maxBytes) throw payloadTooLarge(maxBytes);
  // A declared length is what the server reads, no more: one native read is enough (and cheaper
  // than a stream reader). Only a chunked body, whose size nobody declared, is counted as it comes.
  if (Number.isFinite(declared)) return await request.text();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw payloadTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
