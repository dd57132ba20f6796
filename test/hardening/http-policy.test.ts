/**
 * Issue 11 #5, #7, #8, #9, #11, #16, #20, in-process: limits that a trailing slash or a prompt
 * array must not escape, browsers of a key-less gateway, open routes, ids that would move an OCI
 * path, and validation messages that name what was wrong.
 */
import { describe, expect, test } from "bun:test";
import { resolveSettings } from "../../src/config/settings";
import { makeTestApp } from "../support/app";

const chatBody = (stream = false) => ({ model: "llama", messages: [{ role: "user", content: "hi" }], stream });

describe("per-key concurrency cannot be escaped by the path's spelling (#5)", () => {
  for (const [held, extra] of [
    ["/v1/chat/completions", "/v1/chat/completions/"],
    ["/genai/llama/inference", "/genai/llama/inference/"],
    ["/genai/llama/v1/chat/completions/", "/v1/chat/completions"],
  ] as const) {
    test(`a stream held on ${held} makes ${extra} a 429 (MAX_CONCURRENT_PER_KEY=1)`, async () => {
      const { call } = makeTestApp({ env: { MAX_CONCURRENT_PER_KEY: "1" } });
      const body = held.includes("inference") ? { prompt: "hi", stream: true } : chatBody(true);
      const first = await call(held, { method: "POST", json: body });
      expect(first.status).toBe(200); // a stream: its slot is held until it is read to its end
      const second = await call(extra, {
        method: "POST",
        json: extra.includes("inference") ? { prompt: "x" } : chatBody(),
      });
      expect(second.status).toBe(429);
      await first.text();
      const third = await call(extra, {
        method: "POST",
        json: extra.includes("inference") ? { prompt: "x" } : chatBody(),
      });
      expect(third.status).toBe(200);
    });
  }
});

describe("a key-less gateway refuses web pages of other sites (#7)", () => {
  const { call } = makeTestApp();
  const simplePost = (origin: string) =>
    call("/v1/chat/completions", {
      method: "POST",
      headers: { origin, "content-type": "text/plain" },
      body: JSON.stringify(chatBody()),
    });

  test("a foreign Origin with a simple text/plain POST → 403 foreign_origin", async () => {
    for (const origin of ["https://evil.example", "null", "http://127.0.0.1.evil.example", "file://"]) {
      const r = await simplePost(origin);
      expect(r.status).toBe(403);
      expect((await r.json()).error.code).toBe("foreign_origin");
    }
  });

  test("pages served from this machine, and calls without an Origin, are served", async () => {
    for (const origin of [
      "http://localhost:3000",
      "http://127.0.0.1:8080",
      "http://[::1]:5173",
      "https://app.localhost",
    ]) {
      expect((await simplePost(origin)).status).toBe(200);
    }
    expect((await call("/v1/chat/completions", { method: "POST", json: chatBody() })).status).toBe(200);
  });

  test("origins listed in CORS_ORIGINS are trusted; with API keys the key decides", async () => {
    const listed = makeTestApp({ env: { CORS_ORIGINS: "https://tools.example.com" } });
    const ok = await listed.call("/v1/models", { headers: { origin: "https://tools.example.com" } });
    expect(ok.status).toBe(200);
    expect((await listed.call("/v1/models", { headers: { origin: "https://evil.example" } })).status).toBe(403);
    const keyed = makeTestApp({ env: { API_KEY: "k" } });
    const r = await keyed.call("/v1/models", {
      headers: { origin: "https://evil.example", authorization: "Bearer k" },
    });
    expect(r.status).toBe(200);
  });
});

describe("each key gets a fair share of the upstream capacity (#8)", () => {
  test("by default a key may hold half of the upstream capacity (4096, or BUN_CONFIG_MAX_HTTP_REQUESTS); explicit settings win", () => {
    const s = (env: Record<string, string>) => resolveSettings({ command: "serve" }, env);
    expect(s({}).upstreamCapacity).toBe(4096);
    expect(s({}).maxConcurrentPerKey).toBe(2048);
    expect(s({ BUN_CONFIG_MAX_HTTP_REQUESTS: "2000" }).maxConcurrentPerKey).toBe(1000);
    expect(s({ MAX_CONCURRENT_PER_KEY: "7" }).maxConcurrentPerKey).toBe(7);
    expect(s({ MAX_CONCURRENT_PER_KEY: "0" }).maxConcurrentPerKey).toBe(0);
  });

  test("key A holding its share of streams gets 429; key B is still served", async () => {
    const { call } = makeTestApp({ env: { API_KEYS: "a,b", BUN_CONFIG_MAX_HTTP_REQUESTS: "6" } });
    const as = (k: string) => ({ authorization: `Bearer ${k}` });
    const held = await Promise.all(
      [1, 2, 3].map(() => call("/v1/chat/completions", { method: "POST", headers: as("a"), json: chatBody(true) })),
    );
    expect(held.map((r) => r.status)).toEqual([200, 200, 200]);
    const over = await call("/v1/chat/completions", { method: "POST", headers: as("a"), json: chatBody() });
    expect(over.status).toBe(429);
    expect(over.headers.get("retry-after")).toBe("1");
    const other = await call("/v1/chat/completions", { method: "POST", headers: as("b"), json: chatBody() });
    expect(other.status).toBe(200);
    for (const r of held) await r.text();
  });
});

describe("completions prompt arrays are bounded and counted (#9)", () => {
  test("5,000 prompts in a 30 KB body → 400 naming prompt, no OCI call", async () => {
    let chats = 0;
    const app = makeTestApp();
    const inner = app.transport.chat;
    app.transport.chat = (...a) => {
      chats++;
      return inner(...a);
    };
    const r = await app.call("/v1/completions", {
      method: "POST",
      json: { model: "llama", prompt: Array.from({ length: 5000 }, (_, i) => `p${i}`) },
    });
    expect(r.status).toBe(400);
    const body = await r.json();
    expect(body.error.param).toBe("prompt");
    expect(body.error.code).toBe("too_many_prompts");
    expect(chats).toBe(0);
  });

  test("the calls a prompt array runs at once take the key's slots", async () => {
    const { call } = makeTestApp({ env: { MAX_CONCURRENT_PER_KEY: "3" } });
    const held = await call("/v1/chat/completions", { method: "POST", json: chatBody(true) });
    // 4 prompts want up to 3 calls at once: with one slot taken by the stream, only 2 are free.
    const r = await call("/v1/completions", { method: "POST", json: { model: "llama", prompt: ["a", "b", "c", "d"] } });
    expect(r.status).toBe(429);
    await held.text();
    const ok = await call("/v1/completions", {
      method: "POST",
      json: { model: "llama", prompt: ["a", "b", "c", "d"] },
    });
    expect(ok.status).toBe(200);
    expect((await ok.json()).choices).toHaveLength(4);
  });
});

describe("session ids are OCI ids (#11)", () => {
  const { call } = makeTestApp();
  for (const sessionId of ["..", ".", "a/b", "x/../../y", "%2e%2e", "-a"]) {
    test(`manual chat with sessionId ${JSON.stringify(sessionId)} → 400 before any OCI call`, async () => {
      const r = await call("/genai/my-agent/chat", { method: "POST", json: { sessionId, userMessage: "hi" } });
      expect(r.status).toBe(400);
      expect((await r.json()).error).toContain("sessionId");
    });
  }
});

describe("probes and docs need no key (#16)", () => {
  const { call } = makeTestApp({ env: { API_KEY: "k" } });
  test("/health, /ready, /openapi.json and /swagger answer without a key; /v1/models does not", async () => {
    for (const path of ["/health", "/ready", "/openapi.json", "/swagger"]) expect((await call(path)).status).toBe(200);
    expect((await call("/v1/models")).status).toBe(401);
    expect((await call("/metrics")).status).toBe(401);
  });

  test("DOCS_PUBLIC=false closes the docs; METRICS_PUBLIC=true opens /metrics", async () => {
    const closed = makeTestApp({ env: { API_KEY: "k", DOCS_PUBLIC: "false", METRICS_PUBLIC: "true" } });
    expect((await closed.call("/openapi.json")).status).toBe(401);
    expect((await closed.call("/swagger")).status).toBe(401);
    expect((await closed.call("/openapi.json", { headers: { authorization: "Bearer k" } })).status).toBe(200);
    expect((await closed.call("/metrics")).status).toBe(200);
  });
});

describe("validation names the field the client got wrong (#20)", () => {
  const { call } = makeTestApp();
  const post = (json: unknown) => call("/v1/chat/completions", { method: "POST", json });
  for (const [label, body, param, words] of [
    ["messages as a string", { model: "llama", messages: "hello" }, "messages", "expected an array, got a string"],
    [
      "messages as an object",
      { model: "llama", messages: { role: "user" } },
      "messages",
      "expected an array, got an object",
    ],
    ["a message as a string", { model: "llama", messages: ["hi"] }, "messages[0]", "expected an object, got a string"],
    [
      "content as a number",
      { model: "llama", messages: [{ role: "user", content: 5 }] },
      "messages[0].content",
      "expected",
    ],
    ["tools as a string", { ...chatBody(), tools: "nope" }, "tools", "array"],
    ["a tool as a string", { ...chatBody(), tools: ["get_weather"] }, "tools[0]", "expected an object, got a string"],
    ["stop as a number", { ...chatBody(), stop: 5 }, "stop", "expected"],
    ["response_format as a string", { ...chatBody(), response_format: "json" }, "response_format", "expected"],
    ["stream_options as a string", { ...chatBody(), stream_options: "yes" }, "stream_options", "expected"],
  ] as const) {
    test(`${label} → 400 naming '${param}'`, async () => {
      const r = await post(body);
      expect(r.status).toBe(400);
      const e = (await r.json()).error;
      expect(e.param).toBe(param);
      expect(e.message).toContain(words);
    });
  }
});
