import { describe, expect, test } from "bun:test";
import { KeyRing } from "../../src/config/key-ring";
import type { ApiError } from "../../src/errors/api-error";
import { authorize, isLoopback } from "../../src/http/plugins/auth";
import { makeTestApp } from "../support/app";

const chat = { model: "llama", messages: [{ role: "user", content: "Hello" }] };

describe("auth plugin", () => {
  const { call } = makeTestApp({ env: { API_KEY: "key-one", API_KEYS: "key-two, key-three" } });

  test("missing key → 401 with WWW-Authenticate, OpenAI envelope on /v1", async () => {
    const r = await call("/v1/models");
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toBe("Bearer");
    expect(await r.json()).toEqual({
      error: { message: "Missing API key", type: "authentication_error", param: null, code: "missing_api_key" },
    });
  });

  test("wrong key → 401; direct routes use the seed's flat envelope", async () => {
    const r = await call("/genai/llama/inference", {
      method: "POST",
      headers: { "x-api-key": "nope" },
      json: { prompt: "x" },
    });
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toBe("Bearer");
    expect(await r.json()).toEqual({ error: "Invalid API key" });
  });

  test("wrong keys of equal and different lengths get the same answer", async () => {
    const a = await call("/v1/models", { headers: { authorization: "Bearer key-onX" } });
    const b = await call("/v1/models", { headers: { authorization: "Bearer k" } });
    expect(a.status).toBe(401);
    expect(await a.json()).toEqual(await b.json());
  });

  test("Bearer, X-API-Key and every key of API_KEYS are accepted", async () => {
    for (const headers of [
      { authorization: "Bearer key-one" },
      { "x-api-key": "key-two" },
      { authorization: "Bearer key-three" },
    ] as Array<Record<string, string>>) {
      const r = await call("/v1/models", { headers });
      expect(r.status).toBe(200);
    }
  });

  test("/health needs no key", async () => {
    const r = await call("/health");
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: "ok" });
  });

  test("CORS preflight is answered without a key and never with credentials", async () => {
    const r = await call("/v1/chat/completions", {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    expect(r.status).toBeLessThan(300);
    expect(r.headers.get("access-control-allow-origin")).toBe("*");
    expect(r.headers.get("access-control-allow-credentials")).not.toBe("true");
  });

  test("a preflight allows the headers the SDKs send from a browser; authorization is named, not left to *", async () => {
    const r = await call("/v1/messages", {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers":
          "anthropic-version,anthropic-dangerous-direct-browser-access,x-stainless-os,content-type,x-api-key",
      },
    });
    const allowed = (r.headers.get("access-control-allow-headers") ?? "").split(",").map((h) => h.trim());
    expect(allowed).toContain("*");
    expect(allowed).toContain("authorization");
  });

  test("preflights leave the active-requests gauge where it was", async () => {
    // A /metrics request is counted until its after-response hook has run, a moment after its
    // answer: read until the gauge settles.
    const settled = async () => {
      let last = Number.NaN;
      for (let i = 0; i < 50; i++) {
        const text = await (await call("/metrics", { headers: { authorization: "Bearer key-one" } })).text();
        const now = Number(
          text
            .split("\n")
            .find((l) => l.startsWith("ocigenai_active_requests "))!
            .split(" ")[1],
        );
        if (now === last) return now;
        last = now;
        await Bun.sleep(20);
      }
      return last;
    };
    const before = await settled();
    for (let i = 0; i < 5; i++) {
      await call("/v1/responses", {
        method: "OPTIONS",
        headers: { origin: "https://app.example", "access-control-request-method": "POST" },
      });
    }
    expect(await settled()).toBe(before);
  });
});

describe("CORS_ORIGINS", () => {
  const { call } = makeTestApp({ env: { CORS_ORIGINS: "https://a.example,https://b.example" } });
  test("an allowed origin is echoed, another is not", async () => {
    const ok = await call("/health", { headers: { origin: "https://b.example" } });
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://b.example");
    const no = await call("/health", { headers: { origin: "https://evil.example" } });
    expect(no.headers.get("access-control-allow-origin")).not.toBe("https://evil.example");
  });
});

describe("errors plugin", () => {
  const { call } = makeTestApp();

  test("top-level members named like Object.prototype's (__proto__, constructor, toString) are ignored as unknown fields", async () => {
    const extra = '"__proto__":{},"constructor":5,"toString":{},"hasOwnProperty":1';
    for (const [path, json] of [
      ["/v1/chat/completions", '"model":"llama","messages":[{"role":"user","content":"hi"}]'],
      ["/v1/responses", '"model":"llama","input":"hi"'],
      ["/v1/messages", '"model":"llama","max_tokens":10,"messages":[{"role":"user","content":"hi"}]'],
    ] as const) {
      const r = await call(path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{${json},${extra}}`,
      });
      expect({ path, status: r.status }).toEqual({ path, status: 200 });
    }
  });

  test("a path with a malformed percent-escape → 400 invalid_path, in the route's envelope", async () => {
    for (const [path, init] of [
      ["/v1/models/%", {}],
      ["/v1/files/%ff", {}],
      ["/genai/%zz/inference", { method: "POST", json: { prompt: "x" } }],
    ] as const) {
      const r = await call(path, init);
      expect({ path, status: r.status }).toEqual({ path, status: 400 });
      const body = await r.json();
      const message = typeof body.error === "string" ? body.error : body.error.message;
      expect(message).toBe("Malformed percent-encoding in the request path");
      if (typeof body.error !== "string") expect(body.error.code).toBe("invalid_path");
    }
  });

  test("a multipart body that does not parse is named as multipart, not as JSON", async () => {
    const r = await call("/v1/files", {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=zzz" },
      body: "garbage",
    });
    expect(r.status).toBe(400);
    expect((await r.json()).error).toMatchObject({
      code: "invalid_body",
      message: expect.stringContaining("multipart"),
    });
  });

  test("an upload the client abandons mid-body is a 499 (client_closed), not a 400", async () => {
    const abort = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('--zzz\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbat'));
        setTimeout(() => {
          abort.abort();
          c.error(new DOMException("The client went away", "AbortError"));
        }, 30);
      },
    });
    const r = await call("/v1/files", {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=zzz" },
      body,
      signal: abort.signal,
      // @ts-expect-error Bun needs it for a stream body
      duplex: "half",
    }).catch((e: unknown) => e);
    expect(r instanceof Response ? r.status : "threw").toBe(499);
  });

  test("a very long unknown alias or path is quoted cut short, not sent back whole", async () => {
    const long = "a".repeat(9000);
    const inBody = await call("/v1/chat/completions", {
      method: "POST",
      json: { model: long, messages: [{ role: "user", content: "hi" }] },
    });
    const inPath = await call(`/genai/${long}/inference`, { method: "POST", json: { prompt: "hi" } });
    const route = await call(`/v1/${long}`);
    for (const r of [inBody, inPath, route]) {
      expect(r.status).toBe(404);
      const text = await r.text();
      expect(text.length).toBeLessThan(400);
      expect(text).toContain("…");
    }
  });

  test("unknown route → 404 in the envelope of its family", async () => {
    const a = await call("/v1/nothing-here");
    expect(a.status).toBe(404);
    expect((await a.json()).error.code).toBe("not_found");
    const b = await call("/nothing-here");
    expect(b.status).toBe(404);
    expect(await b.json()).toEqual({ error: "Unknown route: GET /nothing-here" });
  });

  test("unknown alias → 404 model_not_found (body and path forms)", async () => {
    const a = await call("/v1/chat/completions", { method: "POST", json: { ...chat, model: "nope" } });
    expect(a.status).toBe(404);
    expect(await a.json()).toMatchObject({
      error: { code: "model_not_found", param: "model", type: "invalid_request_error" },
    });
    const b = await call("/genai/nope/v1/chat/completions", { method: "POST", json: chat });
    expect(b.status).toBe(404);
    expect((await b.json()).error.code).toBe("model_not_found");
  });

  test("malformed JSON → 400 invalid_json, never Elysia's PARSE body", async () => {
    const r = await call("/v1/chat/completions", {
      method: "POST",
      body: '{"model": "llama", "messages": [',
      headers: { "content-type": "application/json" },
    });
    expect(r.status).toBe(400);
    const body = await r.json();
    expect(body.error.code).toBe("invalid_json");
    expect(body.error.message).toContain("Malformed JSON");
  });

  test("a body sent without content type (curl -d) is still read as JSON", async () => {
    const r = await call("/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify(chat),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(r.status).toBe(200);
  });

  test("empty body → 400 naming nothing but saying what is expected", async () => {
    const r = await call("/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" } });
    expect(r.status).toBe(400);
    expect((await r.json()).error.type).toBe("invalid_request_error");
  });

  test.each([
    [{ temperature: 2.5 }, "temperature"],
    [{ temperature: "hot" }, "temperature"],
    [{ top_p: 1.5 }, "top_p"],
    [{ max_tokens: 0 }, "max_tokens"],
    [{ max_tokens: 1.5 }, "max_tokens"],
    [{ max_completion_tokens: -3 }, "max_completion_tokens"],
    [{ frequency_penalty: 3 }, "frequency_penalty"],
    [{ presence_penalty: -2.5 }, "presence_penalty"],
    [{ n: 0 }, "n"],
    [{ top_logprobs: 21, logprobs: true }, "top_logprobs"],
    [{ stream: "yes" }, "stream"],
    [{ messages: [] }, "messages"],
    [{ messages: [{ role: "robot", content: "x" }] }, "messages[0].role"],
    [{ messages: [{ role: "user", content: 5 }] }, "messages[0].content"],
    [{ reasoning_effort: "extreme" }, "reasoning_effort"],
    [{ verbosity: "loud" }, "verbosity"],
    [{ messages: [{ role: "tool", content: "x" }] }, "messages[0].tool_call_id"],
    [{ tool_choice: "required" }, "tool_choice"],
  ])("400 names the parameter: %j", async (patch, param) => {
    const r = await call("/v1/chat/completions", { method: "POST", json: { ...chat, ...patch } });
    expect(r.status).toBe(400);
    const body = await r.json();
    expect(body.error.param).toBe(param);
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toContain(param);
    expect(body.error.message).not.toContain("union value");
  });

  test("integer bounds are said plainly", async () => {
    const r = await call("/v1/chat/completions", { method: "POST", json: { ...chat, max_tokens: 0 } });
    expect((await r.json()).error.message).toBe("Invalid value for 'max_tokens': expected an integer ≥ 1");
  });

  test("missing model on /v1/chat/completions → 400 param model", async () => {
    const r = await call("/v1/chat/completions", { method: "POST", json: { messages: chat.messages } });
    expect(r.status).toBe(400);
    expect((await r.json()).error.param).toBe("model");
  });

  test("JSON body over 10 MB → 413, also when the length is not declared", async () => {
    const big = JSON.stringify({ ...chat, messages: [{ role: "user", content: "a".repeat(10 * 1024 * 1024 + 10) }] });
    const declared = await call("/v1/chat/completions", {
      method: "POST",
      body: big,
      headers: { "content-type": "application/json" },
    });
    expect(declared.status).toBe(413);
    const bytes = new TextEncoder().encode(big);
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 1 << 20) c.enqueue(bytes.subarray(i, i + (1 << 20)));
        c.close();
      },
    });
    const r = await call("/v1/chat/completions", {
      method: "POST",
      body: chunked,
      headers: { "content-type": "application/json" },
    });
    expect(r.status).toBe(413);
    expect((await r.json()).error.code).toBe("request_too_large");
  });
});

describe("request id and ops routes", () => {
  const { call, lifecycle } = makeTestApp();

  test("x-request-id is echoed when given and generated when not", async () => {
    const a = await call("/v1/models", { headers: { "x-request-id": "trace-123" } });
    expect(a.headers.get("x-request-id")).toBe("trace-123");
    const b = await call("/v1/models");
    expect(b.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const c = await call("/v1/nothing", { headers: { "x-request-id": "err-1" } });
    expect(c.headers.get("x-request-id")).toBe("err-1");
  });

  test("GET / tells name, version and mode", async () => {
    const r = await call("/");
    expect(await r.json()).toMatchObject({ name: "ocigenai", mode: "TEST_MODE" });
  });

  test("/ready is 503 while draining", async () => {
    expect((await call("/ready")).status).toBe(200);
    lifecycle.draining = true;
    const r = await call("/ready");
    lifecycle.draining = false;
    expect(r.status).toBe(503);
  });

  test("OpenAPI document lists the routes; Swagger UI is served", async () => {
    const doc = await (await call("/openapi.json")).json();
    for (const p of [
      "/v1/chat/completions",
      "/genai/{alias}/v1/chat/completions",
      "/v1/models",
      "/v1/completions",
      "/health",
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    for (const p of ["/v1/chat/completions", "/genai/{alias}/v1/embeddings", "/genai/{alias}/inference"]) {
      expect(Object.keys(doc.paths[p].post.requestBody.content)).toEqual(["application/json"]);
    }
    expect(
      Object.keys(doc.paths["/v1/chat/completions"].post.requestBody.content["application/json"].schema.properties),
    ).toContain("messages");
    const ui = await call("/swagger");
    expect(ui.status).toBe(200);
    expect(ui.headers.get("content-type")).toContain("text/html");
  });
});

describe("authorize (the auth decision without HTTP)", () => {
  const none = new KeyRing([], []);
  const some = new KeyRing(["alpha", "beta"], []);
  const h = (o: Record<string, string> = {}) => new Headers(o);
  const thrown = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e as ApiError;
    }
    throw new Error("expected a throw");
  };

  test("no key configured: loopback callers pass, others get 403", () => {
    for (const ip of ["127.0.0.1", "127.8.9.1", "::1", "::ffff:127.0.0.1"])
      expect(authorize(none, h(), ip)).toBeUndefined();
    for (const ip of ["10.0.0.5", "192.168.1.4", "::ffff:10.0.0.1", "2001:db8::1"]) {
      const e = thrown(() => authorize(none, h(), ip));
      expect(e.status).toBe(403);
      expect(e.message).toContain("API_KEY");
    }
    expect(isLoopback("128.0.0.1")).toBe(false);
  });

  test("keys configured: the key decides, whatever the address", () => {
    const a = authorize(some, h({ authorization: "Bearer alpha" }), "10.0.0.5")!;
    const b = authorize(some, h({ "x-api-key": "beta" }), "10.0.0.5")!;
    expect(a.id).toMatch(/^[0-9a-f]{12}$/);
    expect(a.name).toBe(`env:${a.id}`);
    expect(b.id).not.toBe(a.id);
    expect(thrown(() => authorize(some, h(), "127.0.0.1")).status).toBe(401);
    expect(thrown(() => authorize(some, h({ authorization: "Bearer alphaa" }), "127.0.0.1")).message).toBe(
      "Invalid API key",
    );
  });
});
