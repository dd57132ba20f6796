/**
 * Team keys through the real app in-process (TEST_MODE): api_keys.json allowlists on every family,
 * /v1/models filtered, rpm/tpm/daily/concurrency limits answered with 429 and OpenAI's headers in
 * each family's envelope, refused requests costing nothing, usage settled from OCI's counts,
 * the store down (503 for limited keys only), /admin/usage.
 */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { createMockTransport } from "../../src/mock/mock-transport";
import type { OciTransport } from "../../src/oci/transport";
import { MemorySessionStore } from "../../src/state/memory";
import { type Admission, type AdmitRequest, StoreUnavailableError } from "../../src/state/types";
import { metricValue } from "../faults/support";
import { makeTestApp, type TestAppOptions } from "../support/app";
import { COMPARTMENT, testModels } from "../support/gateway";

const sha = (k: string) => createHash("sha256").update(k).digest("hex");
type Rec = Record<string, unknown>;

const KEYS = {
  "team-a": { sha256: sha("key-a"), models: ["llama", "command*"], rpm: 3 },
  "team-t": { sha256: sha("key-t"), tpm: 10 },
  "team-d": { sha256: sha("key-d"), daily_tokens: 10 },
  "team-c": { sha256: sha("key-c"), max_concurrent: 1 },
  "team-e": { sha256: sha("key-e"), models: ["embed"] },
  ops: { sha256: sha("key-ops"), admin: true },
};
const MODELS = testModels({
  "command-a": { id: "cohere.command-a-03-2025", region: "us-chicago-1", compartmentId: COMPARTMENT },
  embed: { id: "cohere.embed-english-v3.0", region: "us-chicago-1", compartmentId: COMPARTMENT },
});
/** The app with the example models and team keys, unless the test says otherwise. */
const teamApp = (o: TestAppOptions = {}) => makeTestApp({ models: MODELS, apiKeys: KEYS, ...o });
const auth = (k: string) => ({ authorization: `Bearer ${k}` });

const chat = (call: ReturnType<typeof makeTestApp>["call"], key: string, body: Rec = {}) =>
  call("/v1/chat/completions", {
    method: "POST",
    headers: auth(key),
    json: { model: "llama", messages: [{ role: "user", content: "hello there" }], ...body },
  });

describe("allowlists", () => {
  const { call } = teamApp({ env: { API_KEY: "env-key" } });

  test("a key may use its models (names and globs); another alias is a 403 in every family's envelope", async () => {
    expect((await chat(call, "key-a")).status).toBe(200);
    expect((await chat(call, "key-a", { model: "command-a" })).status).toBe(200);
    const openai = await chat(call, "key-a", { model: "gpt5" });
    expect(openai.status).toBe(403);
    expect((await openai.json()).error).toMatchObject({ type: "permission_error", code: "permission_denied" });
    const anthropic = await call("/v1/messages", {
      method: "POST",
      headers: { "x-api-key": "key-a" },
      json: { model: "gpt5", max_tokens: 10, messages: [{ role: "user", content: "hi" }] },
    });
    expect(anthropic.status).toBe(403);
    expect(await anthropic.json()).toMatchObject({ type: "error", error: { type: "permission_error" } });
    const responses = await call("/v1/responses", {
      method: "POST",
      headers: auth("key-a"),
      json: { model: "gpt5", input: "hi" },
    });
    expect(responses.status).toBe(403);
    const direct = await call("/genai/gpt5/inference", {
      method: "POST",
      headers: auth("key-a"),
      json: { prompt: "hi" },
    });
    expect(direct.status).toBe(403);
    expect(typeof (await direct.json()).error).toBe("string");
    const embeddings = await call("/v1/embeddings", {
      method: "POST",
      headers: auth("key-a"),
      json: { model: "embed", input: "x" },
    });
    expect(embeddings.status).toBe(403);
  });

  test("a stored response under /genai/{alias}/v1: another alias is a 403 and an unknown one a 404, nothing deleted", async () => {
    const { call } = teamApp(); // its own, so the key's rpm is not spent by the tests above
    const created = await call("/v1/responses", {
      method: "POST",
      headers: auth("key-a"),
      json: { model: "llama", input: "hi" },
    });
    const { id } = await created.json();
    for (const [alias, status] of [
      ["gpt5", 403],
      ["no-such-alias", 404],
    ] as const) {
      for (const [method, path] of [
        ["GET", `/genai/${alias}/v1/responses/${id}`],
        ["GET", `/genai/${alias}/v1/responses/${id}/input_items`],
        ["DELETE", `/genai/${alias}/v1/responses/${id}`],
      ] as const) {
        const r = await call(path, { method, headers: auth("key-a") });
        expect({ method, path, status: r.status }).toEqual({ method, path, status });
        expect((await r.json()).error).toBeDefined();
      }
    }
    expect((await call(`/genai/llama/v1/responses/${id}`, { headers: auth("key-a") })).status).toBe(200);
    expect((await call(`/v1/responses/${id}`, { headers: auth("key-a") })).status).toBe(200);
  });

  test("embeddings, rerank and moderations refuse an unknown or forbidden model without spending the key's rpm", async () => {
    const { call } = teamApp(); // key-a: rpm 3
    const refused = [
      ["/v1/embeddings", { model: "embed", input: "x" }, 403],
      ["/genai/embed/v1/embeddings", { input: "x" }, 403],
      ["/v1/embeddings", { model: "nope", input: "x" }, 404],
      ["/v1/rerank", { model: "nope", query: "q", documents: ["a"] }, 404],
      ["/genai/nope/v1/rerank", { query: "q", documents: ["a"] }, 404],
      ["/v1/moderations", { model: "nope", input: "x" }, 404],
    ] as const;
    for (const [path, json, status] of refused) {
      const r = await call(path, { method: "POST", headers: auth("key-a"), json });
      expect({ path, status: r.status }).toEqual({ path, status });
      expect(r.headers.get("x-ratelimit-remaining-requests")).toBeNull();
    }
    for (let i = 0; i < 3; i++) expect((await chat(call, "key-a")).status).toBe(200);
    expect((await chat(call, "key-a")).status).toBe(429);
  });

  test("an OCI model name on an allowed alias's path is not a way around the allowlist", async () => {
    const embed = (key: string, json: Rec) =>
      call("/genai/embed/v1/embeddings", { method: "POST", headers: auth(key), json: { input: "x", ...json } });
    expect((await embed("key-e", {})).status).toBe(200);
    expect((await embed("key-e", { model: "embed" })).status).toBe(200);
    const other = await embed("key-e", { model: "cohere.embed-v4.0" });
    expect(other.status).toBe(403);
    expect((await other.json()).error).toMatchObject({ code: "permission_denied", param: "model" });
    expect((await embed("env-key", { model: "cohere.embed-v4.0" })).status).toBe(200);
  });

  test("/v1/models lists only what the key may use; API_KEY keys see everything", async () => {
    const ids = async (key: string) =>
      ((await (await call("/v1/models", { headers: auth(key) })).json()).data as Rec[]).map((m) => m.id);
    expect((await ids("key-a")).sort()).toEqual(["command-a", "llama"]);
    expect((await ids("env-key")).length).toBeGreaterThan(2);
    expect((await call("/v1/models/gpt5", { headers: auth("key-a") })).status).toBe(403);
  });
});

describe("limits", () => {
  test("rpm: the 4th request in a minute is a 429 with Retry-After and x-ratelimit-*; refused ones cost nothing", async () => {
    const { call } = teamApp();
    const first = await chat(call, "key-a");
    expect(first.headers.get("x-ratelimit-limit-requests")).toBe("3");
    expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("2");
    // A 403 (a model the key may not use) comes before the limit and does not count.
    expect((await chat(call, "key-a", { model: "gpt5" })).status).toBe(403);
    expect((await chat(call, "key-a")).status).toBe(200);
    const third = await chat(call, "key-a", { stream: true });
    expect(third.status).toBe(200);
    expect(third.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    await third.text();
    const refused = await chat(call, "key-a");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get("x-ratelimit-limit-requests")).toBe("3");
    const body = await refused.json();
    expect(body.error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
    expect(body.error.message).toContain("3 requests per minute");
    // Still refused: the refusal itself was not counted, nor does it change the minute.
    expect((await chat(call, "key-a")).status).toBe(429);
    // Other keys are not touched.
    expect((await chat(call, "key-t")).status).toBe(200);
  });

  // Each one makes an OCI agent session: a key's limits bound them as they bound /chat.
  test("the direct /session route counts against the key's rpm", async () => {
    const { call } = teamApp({ apiKeys: { solo: { sha256: sha("k"), rpm: 2 } } });
    const open = (cuid: string) =>
      call("/genai/my-agent/session", {
        method: "POST",
        headers: { authorization: "Bearer k" },
        json: { channel: "web", cuid },
      });
    expect((await open("u1")).status).toBe(200);
    expect((await open("u2")).status).toBe(200);
    const third = await open("u3");
    expect(third.status).toBe(429);
    expect((await third.json()).error).toContain("Rate limit");
  });

  test("Anthropic routes answer their own 429", async () => {
    const { call } = teamApp({ apiKeys: { solo: { sha256: sha("k"), rpm: 1 } } });
    const ask = () =>
      call("/v1/messages", {
        method: "POST",
        headers: { "x-api-key": "k" },
        json: { model: "llama", max_tokens: 10, messages: [{ role: "user", content: "hi" }] },
      });
    expect((await ask()).status).toBe(200);
    const r = await ask();
    expect(r.status).toBe(429);
    expect(await r.json()).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    expect(r.headers.get("retry-after")).not.toBeNull();
  });

  test("tpm and daily_tokens: OCI's token counts of the answers spend them, streams included", async () => {
    for (const key of ["key-t", "key-d"]) {
      const { call } = teamApp();
      // TEST_MODE reports word counts: a few words in and ~6 out, so two calls pass 10 tokens.
      const streamed = await chat(call, key, { stream: true, stream_options: { include_usage: true } });
      expect(streamed.status).toBe(200);
      await streamed.text();
      await Bun.sleep(20); // settling runs when the stream has closed
      const second = await chat(call, key);
      expect(second.status).toBe(200);
      await Bun.sleep(20);
      const third = await chat(call, key);
      expect(third.status).toBe(429);
      expect((await third.json()).error.message).toContain(
        key === "key-t" ? "tokens per minute" : "tokens per UTC day",
      );
    }
  });

  test("a stream the client leaves before OCI's usage is charged by estimate: hanging up does not dodge tpm", async () => {
    const { call, logs, metrics } = teamApp();
    // key-t: tpm 10. A prompt of ~200 characters is ~50 estimated tokens on its own.
    const open = await chat(call, "key-t", {
      stream: true,
      messages: [{ role: "user", content: "tell me a long story ".repeat(10) }],
    });
    expect(open.status).toBe(200);
    const reader = open.body!.getReader();
    await reader.read(); // the first event, then the client is gone
    await reader.cancel();
    await Bun.sleep(50); // settling runs when the stream has closed
    const next = await chat(call, "key-t");
    expect(next.status).toBe(429);
    expect((await next.json()).error.message).toContain("tokens per minute");
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.msg === "request" && l.status === 499);
    expect(line?.tokens).toMatchObject({ estimated: true });
    expect(line?.tokens.prompt).toBeGreaterThan(40);
    // The estimate is counted apart from what OCI reported.
    const text = await metrics.render();
    expect(metricValue(text, "ocigenai_estimated_tokens_total", { kind: "prompt" })).toBe(line?.tokens.prompt);
    expect(metricValue(text, "ocigenai_tokens_total", { kind: "prompt" })).toBe(0);
  });

  test("a stream that finishes without OCI's usage is charged nothing, not an estimate", async () => {
    const quiet = {
      ...createMockTransport(),
      chatStream: async () => ({
        events: (async function* () {
          yield { index: 0, message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "done ".repeat(200) }] } };
          yield { finishReason: "stop" };
        })(),
        opcRequestId: "oci-quiet",
        cancel() {},
      }),
    } as OciTransport;
    const { call, logs } = teamApp({ transport: quiet });
    const r = await chat(call, "key-t", { stream: true });
    expect(r.status).toBe(200);
    await r.text();
    await Bun.sleep(20);
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.msg === "request" && l.stream);
    expect(line?.status).toBe(200);
    expect(line?.tokens).toBeUndefined();
    expect((await chat(call, "key-t")).status).toBe(200); // tpm 10 untouched by ~250 estimated tokens
  });

  test("max_concurrent: an open stream holds the key's one slot; when it ends the next may go", async () => {
    const { call } = teamApp();
    const open = await chat(call, "key-c", { stream: true });
    expect(open.status).toBe(200);
    const busy = await chat(call, "key-c");
    expect(busy.status).toBe(429);
    expect((await busy.json()).error.message).toContain("1 requests at once");
    await open.text();
    await Bun.sleep(20);
    expect((await chat(call, "key-c")).status).toBe(200);
  });
});

describe("the store", () => {
  class DownQuotas extends MemorySessionStore {
    override async admit(_r: AdmitRequest): Promise<Admission> {
      throw new StoreUnavailableError("memory", new Error("down"));
    }
  }

  test("down: a limited key gets 503, never unlimited; a key without limits keeps working", async () => {
    const { call } = teamApp({ stateStore: new DownQuotas(), env: { API_KEY: "env-key" } });
    const limited = await chat(call, "key-a");
    expect(limited.status).toBe(503);
    expect((await limited.json()).error.code).toBe("store_unavailable");
    expect((await chat(call, "env-key")).status).toBe(200);
    expect((await chat(call, "key-ops")).status).toBe(200);
  });
});

describe("usage", () => {
  test("/admin/usage: every answered call per key, alias and day; admin keys only", async () => {
    const { call } = teamApp({ env: { API_KEY: "env-key" } });
    await chat(call, "key-a");
    await chat(call, "key-a", { model: "command-a" });
    await chat(call, "key-a", { model: "gpt5" }); // refused: not in the ledger
    await chat(call, "env-key");
    await Bun.sleep(20);
    const denied = await call("/admin/usage", { headers: auth("key-a") });
    expect(denied.status).toBe(403);
    const r = await call("/admin/usage?key=team-a", { headers: auth("key-ops") });
    expect(r.status).toBe(200);
    const report = await r.json();
    const today = new Date().toISOString().slice(0, 10);
    expect(report).toMatchObject({ object: "usage_report", to: today, key: "team-a" });
    expect(report.data.map((d: Rec) => [d.day, d.key, d.alias, d.requests])).toEqual([
      [today, "team-a", "command-a", 1],
      [today, "team-a", "llama", 1],
    ]);
    expect(report.data[0].input_tokens).toBeGreaterThan(0);
    expect(report.data[0].output_tokens).toBeGreaterThan(0);
    expect(report.totals.requests).toBe(2);
    const all = await (await call("/admin/usage", { headers: auth("key-ops") })).json();
    expect(all.data.map((d: Rec) => d.key)).toContain(`env:${sha("env-key").slice(0, 12)}`);
    const bad = await call("/admin/usage?from=2026-13-01", { headers: auth("key-ops") });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.param).toBe("from");
  });

  test("with no key configured, the local operator reads it and calls are recorded as 'local'", async () => {
    const { call } = makeTestApp();
    await chat(call, "whatever");
    await Bun.sleep(20);
    const report = await (await call("/admin/usage")).json();
    expect(report.data.map((d: Rec) => d.key)).toEqual(["local"]);
  });
});
