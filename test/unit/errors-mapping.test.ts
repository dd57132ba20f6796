/** OCI failures → client errors (docs/api/README.md; src/errors/map-upstream-error.ts), any error → ApiError (src/errors/to-api-error.ts) and TypeBox path → param (src/errors/from-validation.ts). */
import { describe, expect, test } from "bun:test";
import { ApiError, badRequest } from "../../src/errors/api-error";
import { directEnvelope, envelope, openAiEnvelope } from "../../src/errors/envelopes";
import { paramFromPath } from "../../src/errors/from-validation";
import { mapUpstreamError } from "../../src/errors/map-upstream-error";
import { toApiError } from "../../src/errors/to-api-error";
import { UpstreamError } from "../../src/errors/upstream-error";

const http = (status: number, message = "OCI said no", extra: { code?: string; retryAfter?: string } = {}) =>
  mapUpstreamError(new UpstreamError("http", message, { status, opcRequestId: "OPC-123", ...extra }));

describe("mapUpstreamError: OCI HTTP statuses (CONTRACT §5)", () => {
  test("OCI 400 → 400 keeping OCI's message", () => {
    const e = http(400, "Parameter maxTokens is not supported by this model", { code: "InvalidParameter" });
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(400);
    expect(e.type).toBe("invalid_request_error");
    expect(e.message).toContain("Parameter maxTokens is not supported by this model");
    expect(e.message).toContain("InvalidParameter");
    expect(e.ociRequestId).toBe("OPC-123");
  });

  test("OCI 422 → 400", () => {
    expect(http(422, "bad").status).toBe(400);
  });

  test.each([401, 403])("OCI %i (our credentials) → 502 mentioning credentials.conf", (status) => {
    const e = http(status, "The required information to complete authentication was not provided", {
      code: "NotAuthenticated",
    });
    expect(e.status).toBe(502);
    expect(e.type).toBe("upstream_error");
    expect(e.message).toContain("credentials.conf");
    expect(e.message).toContain(String(status));
    expect(e.ociRequestId).toBe("OPC-123");
  });

  test("OCI 404 → 404 keeping OCI's message", () => {
    const e = http(404, "Entity with key ocid1.generativeaiendpoint.x not found", { code: "NotAuthorizedOrNotFound" });
    expect(e.status).toBe(404);
    expect(e.message).toContain("Entity with key ocid1.generativeaiendpoint.x not found");
  });

  test("OCI 409 → 409", () => {
    const e = http(409, "conflict here", { code: "Conflict" });
    expect(e.status).toBe(409);
    expect(e.message).toContain("conflict here");
  });

  test("OCI 429 → 429 with Retry-After passed through", () => {
    const e = http(429, "slow down", { code: "TooManyRequests", retryAfter: "17" });
    expect(e.status).toBe(429);
    expect(e.type).toBe("rate_limit_error");
    expect(e.headers).toEqual({ "retry-after": "17" });
    expect(e.message).toContain("slow down");
  });

  test("OCI 429 without Retry-After → no header invented", () => {
    const e = http(429, "slow down");
    expect(e.status).toBe(429);
    expect(e.headers["retry-after"]).toBeUndefined();
  });

  test("OCI 503 → 503, with OCI's Retry-After when it gave one", () => {
    const e = http(503, "unavailable");
    expect(e.status).toBe(503);
    expect(e.message).toContain("unavailable");
    expect(e.headers["retry-after"]).toBeUndefined();
    expect(http(503, "unavailable", { retryAfter: "30" }).headers).toEqual({ "retry-after": "30" });
  });

  test.each([500, 502, 504])("OCI %i → 502", (status) => {
    const e = http(status, "boom");
    expect(e.status).toBe(502);
    expect(e.type).toBe("upstream_error");
    expect(e.message).toContain("boom");
    expect(e.ociRequestId).toBe("OPC-123");
  });

  test("an HTTP failure without a status → 502", () => {
    expect(mapUpstreamError(new UpstreamError("http", "?")).status).toBe(502);
  });
});

describe("mapUpstreamError: non-HTTP failures", () => {
  test("timeout → 504", () => {
    const e = mapUpstreamError(new UpstreamError("timeout", "300 s passed"));
    expect(e.status).toBe(504);
    expect(e.type).toBe("timeout_error");
  });

  test("stream idle → 504", () => {
    expect(mapUpstreamError(new UpstreamError("idle", "120 s of silence")).status).toBe(504);
  });

  test("network → 502", () => {
    const e = mapUpstreamError(new UpstreamError("network", "ECONNREFUSED 127.0.0.1:9100"));
    expect(e.status).toBe(502);
    expect(e.message).toContain("ECONNREFUSED");
  });

  test("bad upstream answer → 502", () => {
    expect(mapUpstreamError(new UpstreamError("bad_response", "not JSON")).status).toBe(502);
  });

  test("no error exposes a stack or internal class name", () => {
    for (const f of ["http", "network", "timeout", "idle", "bad_response"] as const) {
      const e = mapUpstreamError(new UpstreamError(f, "m", { status: 500 }));
      expect(e.message).not.toContain("UpstreamError");
      expect(e.message).not.toMatch(/\n\s+at /);
    }
  });
});

describe("toApiError: the one mapping from anything thrown to what the client is told", () => {
  test("ApiError passes through, UpstreamError is mapped", () => {
    const api = badRequest("x", "p");
    expect(toApiError(api)).toBe(api);
    expect(toApiError(new UpstreamError("http", "x", { status: 429 })).status).toBe(429);
  });

  test("anything unexpected is a 500 that shows no stack and no message of ours", () => {
    for (const thrown of [new Error("secret detail at /home/x"), "x", undefined, { a: 1 }]) {
      const e = toApiError(thrown);
      expect(e.status).toBe(500);
      expect(e.type).toBe("server_error");
      expect(e.message).not.toContain("secret detail");
    }
  });

  test("Elysia's codes: NOT_FOUND names the route, PARSE is malformed JSON, a parser's own 413 is kept", () => {
    expect(toApiError(new Error("NOT_FOUND"), { code: "NOT_FOUND", method: "GET", path: "/nope" }).message).toBe(
      "Unknown route: GET /nope",
    );
    expect(toApiError(new Error("bad"), { code: "PARSE" }).code).toBe("invalid_json");
    const tooLarge = new ApiError(413, "too big", { type: "invalid_request_error", code: "request_too_large" });
    expect(toApiError(new Error("wrapped", { cause: tooLarge }), { code: "PARSE" })).toBe(tooLarge);
  });

  test("a client that went away is 499, not a server error", () => {
    expect(toApiError(new DOMException("gone", "AbortError")).status).toBe(499);
  });
});

describe("envelopes", () => {
  test("OpenAI envelope has message, type, param, code", () => {
    expect(openAiEnvelope(badRequest("Bad temperature", "temperature", "invalid_value"))).toEqual({
      error: { message: "Bad temperature", type: "invalid_request_error", param: "temperature", code: "invalid_value" },
    });
    expect(openAiEnvelope(http(503))).toEqual({
      error: { message: expect.any(String), type: "service_unavailable", param: null, code: expect.any(String) },
    });
  });

  test("direct envelope is {error: string} plus optional suggestion/details", () => {
    expect(directEnvelope(badRequest("Missing API key"))).toEqual({ error: "Missing API key" });
    const e = new ApiError(409, "busy", { type: "conflict_error", suggestion: "retry", details: { a: 1 } });
    expect(directEnvelope(e)).toEqual({ error: "busy", suggestion: "retry", details: { a: 1 } });
  });

  test("envelope(family) picks the family's shape", () => {
    const e = badRequest("Bad temperature", "temperature");
    expect(envelope("openai", e)).toEqual(openAiEnvelope(e));
    expect(envelope("direct", e)).toEqual(directEnvelope(e));
  });
});

describe("paramFromPath (TypeBox error path → OpenAI param name)", () => {
  test.each([
    ["/temperature", "temperature"],
    ["/messages/0/content", "messages[0].content"],
    ["/messages/2/content/1/image_url/url", "messages[2].content[1].image_url.url"],
    ["/tools/0/function/name", "tools[0].function.name"],
    ["/stream_options/include_usage", "stream_options.include_usage"],
    ["/messages/10/role", "messages[10].role"],
  ])("%p → %p", (path, param) => {
    expect(paramFromPath(path)).toBe(param);
  });

  test("the root path names no param", () => {
    expect(paramFromPath("")).toBeNull();
    expect(paramFromPath("/")).toBeNull();
  });

  test("JSON-Pointer escapes (~1 for '/', ~0 for '~') in TypeBox paths are decoded", () => {
    // TypeBox escapes object keys in error paths (RFC 6901): a logit_bias or tool-parameter key
    // "a/b" appears as "a~1b". The param shown to the user should be the key they sent.
    expect(paramFromPath("/logit_bias/a~1b")).toBe("logit_bias.a/b");
    expect(paramFromPath("/metadata/x~0y")).toBe("metadata.x~y");
  });
});

describe("toApiError: a client that went away", () => {
  test("a body that failed to parse because the client left is a 499; any other error stays what it is", () => {
    const parse = toApiError(new Error("stream closed"), { code: "PARSE", aborted: true });
    expect([parse.status, parse.code]).toEqual([499, "client_closed"]);
    // A bug that fires while the client leaves is still a logged 500, not hidden as a 499.
    const bug = toApiError(new TypeError("undefined is not an object"), { aborted: true });
    expect([bug.status, bug.code]).toEqual([500, "internal_error"]);
    const parseOnly = toApiError(new Error("bad"), { code: "PARSE", aborted: false });
    expect(parseOnly.status).toBe(400);
  });
});
