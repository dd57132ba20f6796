/**
 * Extra model names on every route (docs/configuration.md#names): a client's own model name,
 * plain or matched by a pattern, is served by the alias that lists it, in the body and in the
 * `/genai/{name}/…` path; `/v1/models` shows the names; logs and metrics keep the alias.
 */
import { describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { createMockTransport } from "../../src/mock/mock-transport";
import type { OciTransport } from "../../src/oci/transport";
import { BASE_URL, makeTestApp } from "../support/app";
import { COMPARTMENT, testModels } from "../support/gateway";

const CLAUDE_CODE_MODEL = "claude-sonnet-4-5-20250929";

/** The TEST_MODE transport, noting which OCI model and region each chat or embedding went to. */
function modelsCalled() {
  const inner = createMockTransport();
  const calls: Array<{ op: string; modelId: unknown; region: string }> = [];
  const note = (op: string, region: string, details: { servingMode: unknown }) =>
    calls.push({ op, region, modelId: (details.servingMode as { modelId?: string }).modelId });
  const transport: OciTransport = {
    ...inner,
    chat: (t, d, o) => {
      note("chat", t.region, d);
      return inner.chat(t, d, o);
    },
    chatStream: (t, d, o) => {
      note("chatStream", t.region, d);
      return inner.chatStream(t, d, o);
    },
    embedText: (t, d, o) => {
      note("embedText", t.region, d);
      return inner.embedText(t, d, o);
    },
  };
  return { transport, calls };
}

const { transport, calls } = modelsCalled();
const t = makeTestApp({
  transport,
  models: testModels({
    sonnet: {
      id: "xai.grok-4",
      region: "eu-frankfurt-1",
      compartmentId: COMPARTMENT,
      names: ["claude-sonnet-*", "claude-3-7-sonnet-latest"],
    },
    codex: { id: "openai.gpt-5", region: "us-ashburn-1", compartmentId: COMPARTMENT, names: ["gpt-5*"] },
    vectors: {
      id: "cohere.embed-multilingual-v3.0",
      region: "us-chicago-1",
      compartmentId: COMPARTMENT,
      names: ["text-embedding-3-*"],
    },
  }),
});
const post = (path: string, json: unknown, headers: Record<string, string> = {}) =>
  t.call(path, { method: "POST", json, headers });
const hello = (model?: string) => ({ ...(model ? { model } : {}), messages: [{ role: "user", content: "Hi" }] });
const lastCall = () => calls.at(-1)!;

async function accessLog(requestId: string): Promise<Record<string, unknown>> {
  const find = () => t.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.requestId === requestId);
  for (let i = 0; i < 100 && !find(); i++) await Bun.sleep(5);
  return find()!;
}

describe("chat completions through an extra name", () => {
  test("Claude Code's model name, matched by a pattern, is served by the alias's OCI model", async () => {
    const r = await post("/v1/chat/completions", hello(CLAUDE_CODE_MODEL), { "x-request-id": "names-chat-1" });
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(body.choices[0].message.content).toBe("[TEST_MODE] Simulated response to: Hi");
    expect(body.model).toBe("sonnet");
    expect(lastCall()).toEqual({ op: "chat", modelId: "xai.grok-4", region: "eu-frankfurt-1" });
  });

  test("the access log and the metrics name the alias, never the client's model name", async () => {
    await post("/v1/chat/completions", hello("claude-sonnet-4-1"), { "x-request-id": "names-log-1" });
    expect((await accessLog("names-log-1")).alias).toBe("sonnet");
    const metrics = await t.metrics.render();
    expect(metrics).toContain('alias="sonnet"');
    expect(metrics).not.toContain("claude-sonnet");
  });

  test("a plain extra name and a second alias's pattern each reach their own alias", async () => {
    expect((await post("/v1/chat/completions", hello("claude-3-7-sonnet-latest"))).status).toBe(200);
    expect(lastCall()).toEqual({ op: "chat", modelId: "xai.grok-4", region: "eu-frankfurt-1" });
    const codex = await post("/v1/chat/completions", { ...hello("gpt-5-codex"), stream: true });
    expect(codex.status).toBe(200);
    expect(await codex.text()).toContain("[DONE]");
    expect(lastCall()).toEqual({ op: "chatStream", modelId: "openai.gpt-5", region: "us-ashburn-1" });
  });

  test("/genai/{name}/v1/chat/completions resolves the path's name the same way", async () => {
    const r = await post(`/genai/${CLAUDE_CODE_MODEL}/v1/chat/completions`, hello("placeholder"));
    expect(r.status).toBe(200);
    expect((await r.json()).model).toBe("sonnet");
    expect(lastCall()).toEqual({ op: "chat", modelId: "xai.grok-4", region: "eu-frankfurt-1" });
  });

  test("a name nothing covers is a 404 naming it; so is a different case", async () => {
    for (const model of ["claude-opus-4-1", "Claude-Sonnet-4-5"]) {
      const r = await post("/v1/chat/completions", hello(model));
      expect(r.status).toBe(404);
      expect((await r.json()).error).toMatchObject({
        code: "model_not_found",
        message: `Model '${model}' not found in llm_models.json`,
      });
    }
  });
});

describe("other routes through an extra name", () => {
  test("/v1/embeddings: an OpenAI embedding model name served by the alias whose pattern covers it", async () => {
    const r = await post("/v1/embeddings", { model: "text-embedding-3-small", input: ["a", "b"] });
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(body.data).toHaveLength(2);
    expect(body.model).toBe("text-embedding-3-small");
    expect(lastCall()).toEqual({ op: "embedText", modelId: "cohere.embed-multilingual-v3.0", region: "us-chicago-1" });
  });

  test("/genai/{alias}/v1/embeddings: a body model that is an extra name is used whole", async () => {
    const r = await post("/genai/gpt5/v1/embeddings", { model: "text-embedding-3-large", input: "x" });
    expect(r.status).toBe(200);
    expect(lastCall()).toMatchObject({ modelId: "cohere.embed-multilingual-v3.0" });
  });

  test("the direct family: /genai/{name}/inference", async () => {
    const r = await post("/genai/gpt-5-mini/inference", { prompt: "Olá" });
    expect(r.status).toBe(200);
    expect((await r.json()).response.text).toBe("[TEST_MODE] Simulated response to: Olá");
    expect(lastCall()).toEqual({ op: "chat", modelId: "openai.gpt-5", region: "us-ashburn-1" });
  });
});

describe("/v1/models", () => {
  test("each alias lists its extra names; aliases without names have none", async () => {
    const body = await (await t.call("/v1/models")).json();
    const byId = new Map((body.data as Array<Record<string, unknown>>).map((m) => [m.id, m]));
    expect(byId.get("sonnet")).toMatchObject({
      id: "sonnet",
      object: "model",
      names: ["claude-sonnet-*", "claude-3-7-sonnet-latest"],
    });
    expect(byId.get("codex")!.names).toEqual(["gpt-5*"]);
    expect(byId.get("llama")).not.toHaveProperty("names");
  });

  test("GET /v1/models/{name}: an extra name or a matched name answers with its alias's object", async () => {
    for (const name of [CLAUDE_CODE_MODEL, "claude-3-7-sonnet-latest", "sonnet"]) {
      const r = await t.call(`/v1/models/${name}`);
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ id: "sonnet", region: "eu-frankfurt-1" });
    }
    expect((await t.call("/v1/models/claude-opus-4-1")).status).toBe(404);
  });

  test("/genai/{name}/v1/models is the one-model list of the alias", async () => {
    const body = await (await t.call("/genai/gpt-5.1/v1/models")).json();
    expect(body.data.map((m: { id: string }) => m.id)).toEqual(["codex"]);
  });

  test("the OpenAI SDK parses the list and retrieves by a client's model name", async () => {
    const client = new OpenAI({ baseURL: `${BASE_URL}/v1`, apiKey: "unused", maxRetries: 0, fetch: t.fetch });
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain("sonnet");
    const one = await client.models.retrieve(CLAUDE_CODE_MODEL);
    expect(one.id).toBe("sonnet");
    expect((one as unknown as { names: string[] }).names).toEqual(["claude-sonnet-*", "claude-3-7-sonnet-latest"]);
  });
});
