/**
 * COHERE on the real signed path (fake OCI) and in TEST_MODE, through the official openai client:
 * recorded streams, full tool round trips streamed and not, structured output, model OCIDs.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { BASE_URL, makeTestApp } from "../support/app";
import { genericToolCallJson } from "../support/clients";
import { type FakeOci, readFixtureEvents } from "../support/fake-oci";
import { COMPARTMENT, type Gateway, startGateway, testModels } from "../support/gateway";
import { signedFakeOci } from "../support/signed-fake-oci";

const MODEL_OCID = "ocid1.generativeaimodel.oc1.us-chicago-1.amaaaacohere";
const models = testModels({
  command: { id: "cohere.command-a-03-2025", region: "us-chicago-1", compartmentId: COMPARTMENT },
  "by-ocid": { id: MODEL_OCID, region: "us-chicago-1", compartmentId: COMPARTMENT },
  vision: { id: "cohere.command-a-vision-07-2025", region: "us-chicago-1", compartmentId: COMPARTMENT },
});

let fake: FakeOci;
let real: Gateway;
/** TEST_MODE needs no socket: the app in process (app.handle), with the same models. */
const offline = makeTestApp({ models });

beforeAll(async () => {
  let dir: string;
  ({ fake, dir } = await signedFakeOci(models));
  real = await startGateway({
    args: ["--config-dir", dir],
    env: { OCI_INFERENCE_ENDPOINT: fake.url, OCI_GENAI_ENDPOINT: fake.url },
  });
});
afterAll(async () => {
  await real?.stop();
  await fake?.stop();
});

const client = (g: Gateway) => new OpenAI({ baseURL: `${g.url}/v1`, apiKey: "unused", maxRetries: 0 });
const offlineClient = () =>
  new OpenAI({ baseURL: `${BASE_URL}/v1`, apiKey: "unused", maxRetries: 0, fetch: offline.fetch });
const chatBodies = () =>
  fake
    .requestsFor("chat")
    .map((r) => r.body as { chatRequest: Record<string, unknown>; servingMode: Record<string, unknown> });
const weatherTool: OpenAI.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string", description: "City name" }, unit: { type: "string", enum: ["c", "f"] } },
      required: ["city"],
    },
  },
};

describe("COHERE on the signed path", () => {
  test("chat: system → preambleOverride, history → chatHistory, last user turn → message", async () => {
    fake.clear();
    const r = await client(real).chat.completions.create({
      model: "command",
      messages: [
        { role: "system", content: "Be terse." },
        { role: "user", content: "Hello" },
        { role: "assistant", content: "Hi! How can I help?" },
        { role: "user", content: "Tell me a joke" },
      ],
      stop: ["END"],
    });
    expect(r.choices[0]!.message.content).toBe("Echo: Tell me a joke");
    expect(r.choices[0]!.finish_reason).toBe("stop");
    const [body] = chatBodies();
    expect(body!.chatRequest).toEqual({
      apiFormat: "COHERE",
      message: "Tell me a joke",
      preambleOverride: "Be terse.",
      chatHistory: [
        { role: "USER", message: "Hello" },
        { role: "CHATBOT", message: "Hi! How can I help?" },
      ],
      stopSequences: ["END"],
      maxTokens: 2048,
      isStream: false,
    });
    expect(fake.requestsFor("chat")[0]!.signatureOk).toBe(true);
  });

  test("a recorded COHERE stream: deltas once, the repeated final text not sent again", async () => {
    fake.clear();
    fake.script("chat", { chunksFile: "cohere-text.chunks.txt" });
    const stream = await client(real).chat.completions.create({
      model: "command",
      messages: [{ role: "user", content: "joke" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? "";
      finish = c.choices[0]?.finish_reason ?? finish;
      usage = c.usage ?? usage;
    }
    const events = readFixtureEvents("cohere-text.chunks.txt");
    const final = events.find((e) => e.finishReason);
    expect(text).toBe(final.text);
    expect(finish).toBe("stop");
    expect(usage!.total_tokens).toBe(final.usage.totalTokens);
  });

  test("tool round trip, not streamed: call with a synthetic id, then toolResults merged with the call", async () => {
    fake.clear();
    fake.script("chat", {
      json: {
        modelId: "cohere.command-a-03-2025",
        modelVersion: "1",
        chatResponse: {
          apiFormat: "COHERE",
          text: "",
          toolCalls: [{ name: "get_weather", parameters: { city: "Paris" } }],
          finishReason: "COMPLETE",
          usage: { promptTokens: 9, completionTokens: 4, totalTokens: 13 },
        },
      },
    });
    const c = client(real);
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
    const first = await c.chat.completions.create({ model: "command", messages, tools: [weatherTool] });
    const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(first.choices[0]!.finish_reason).toBe("tool_calls");
    expect(call.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(call.function).toEqual({ name: "get_weather", arguments: '{"city":"Paris"}' });
    expect(chatBodies()[0]!.chatRequest.tools).toEqual([
      {
        name: "get_weather",
        description: "Weather for a city",
        parameterDefinitions: {
          city: { type: "str", isRequired: true, description: "City name" },
          unit: { type: "str", isRequired: false, description: 'One of: "c", "f".' },
        },
      },
    ]);
    messages.push(first.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: '{"temperature": 21}' });
    const second = await c.chat.completions.create({ model: "command", messages, tools: [weatherTool] });
    expect(second.choices[0]!.message.content).toBe("Echo: ");
    const req = chatBodies()[1]!.chatRequest;
    expect(req.message).toBe("");
    expect(req.chatHistory).toEqual([
      { role: "USER", message: "Weather in Paris?" },
      { role: "CHATBOT", message: "", toolCalls: [{ name: "get_weather", parameters: { city: "Paris" } }] },
    ]);
    expect(req.toolResults).toEqual([
      { call: { name: "get_weather", parameters: { city: "Paris" } }, outputs: [{ temperature: 21 }] },
    ]);
  });

  test("tool call streamed from a recorded COHERE stream finishes with tool_calls", async () => {
    fake.clear();
    fake.script("chat", { chunksFile: "cohere-tool-call.chunks.txt" });
    const stream = await client(real).chat.completions.create({
      model: "command",
      messages: [{ role: "user", content: "weather?" }],
      tools: [weatherTool],
      stream: true,
    });
    const calls = new Map<number, { id?: string; name: string; args: string }>();
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const d of chunk.choices[0]?.delta?.tool_calls ?? []) {
        const cur = calls.get(d.index) ?? { name: "", args: "" };
        calls.set(d.index, {
          id: d.id ?? cur.id,
          name: cur.name + (d.function?.name ?? ""),
          args: cur.args + (d.function?.arguments ?? ""),
        });
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    const recorded = readFixtureEvents("cohere-tool-call.chunks.txt").find(
      (e) => e.toolCalls && !e.finishReason,
    ).toolCalls;
    expect(finish).toBe("tool_calls");
    expect([...calls.values()].map((c) => ({ name: c.name, args: JSON.parse(c.args) }))).toEqual(
      recorded.map((c: { name: string; parameters: unknown }) => ({ name: c.name, args: c.parameters })),
    );
    for (const c of calls.values()) expect(c.id).toMatch(/^call_/);
  });

  test.each([
    [{ n: 2 }, "n"],
    [{ logprobs: true }, "logprobs"],
    [{ logit_bias: { "12": 1 } }, "logit_bias"],
    [{ tool_choice: "required", tools: [weatherTool] }, "tool_choice"],
  ])("COHERE refuses %j naming the parameter, and OCI is not called", async (extra, param) => {
    fake.clear();
    const res = await fetch(`${real.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "command", messages: [{ role: "user", content: "x" }], ...extra }),
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.param).toBe(param);
    expect(body.error.code).toBe("unsupported_parameter");
    expect(fake.requestsFor("chat")).toHaveLength(0);
  });

  test("a model OCID is looked up once on the control plane; a cohere vendor picks COHERE", async () => {
    fake.clear();
    fake.script("getModel", {
      json: {
        id: MODEL_OCID,
        displayName: "cohere.command-r-08-2024",
        vendor: "cohere",
        capabilities: ["CHAT"],
        lifecycleState: "ACTIVE",
      },
    });
    for (let i = 0; i < 2; i++) {
      const r = await client(real).chat.completions.create({
        model: "by-ocid",
        messages: [{ role: "user", content: "hi" }],
      });
      expect(r.choices[0]!.message.content).toBe("Echo: hi");
    }
    expect(fake.requestsFor("getModel")).toHaveLength(1);
    expect(fake.requestsFor("getModel")[0]!.signatureOk).toBe(true);
    expect(chatBodies().map((b) => [b.chatRequest.apiFormat, b.servingMode.modelId])).toEqual([
      ["COHERE", MODEL_OCID],
      ["COHERE", MODEL_OCID],
    ]);
  });

  test("a Cohere vision model speaks COHEREV2 with image content", async () => {
    fake.clear();
    const r = await client(real).chat.completions.create({
      model: "vision",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
          ],
        },
      ],
    });
    expect(r.choices[0]!.message.content).toContain("What is this?");
    expect(chatBodies()[0]!.chatRequest.messages).toEqual([
      {
        role: "USER",
        content: [
          { type: "TEXT", text: "What is this?" },
          { type: "IMAGE_URL", imageUrl: { url: "data:image/png;base64,AAAA" } },
        ],
      },
    ]);
  });
});

describe("TEST_MODE: tools and structured output for every family", () => {
  for (const model of ["llama", "command", "vision"]) {
    test(`${model}: full tool round trip, streamed and not`, async () => {
      const c = offlineClient();
      for (const stream of [false, true]) {
        const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Lisbon?" }];
        let call: { id: string; name: string; args: string };
        if (!stream) {
          const r = await c.chat.completions.create({ model, messages, tools: [weatherTool] });
          expect(r.choices[0]!.finish_reason).toBe("tool_calls");
          const tc = r.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
          call = { id: tc.id, name: tc.function.name, args: tc.function.arguments };
        } else {
          const s = await c.chat.completions.create({ model, messages, tools: [weatherTool], stream: true });
          call = { id: "", name: "", args: "" };
          let finish: string | null = null;
          for await (const chunk of s) {
            for (const d of chunk.choices[0]?.delta?.tool_calls ?? []) {
              call.id ||= d.id ?? "";
              call.name += d.function?.name ?? "";
              call.args += d.function?.arguments ?? "";
            }
            finish = chunk.choices[0]?.finish_reason ?? finish;
          }
          expect(finish).toBe("tool_calls");
        }
        expect(call.name).toBe("get_weather");
        expect(typeof JSON.parse(call.args).city).toBe("string");
        messages.push({
          role: "assistant",
          content: null,
          tool_calls: [{ id: call.id, type: "function", function: { name: call.name, arguments: call.args } }],
        });
        messages.push({ role: "tool", tool_call_id: call.id, content: "sunny" });
        const final = await c.chat.completions.create({ model, messages, tools: [weatherTool] });
        expect(final.choices[0]!.finish_reason).toBe("stop");
        expect(final.choices[0]!.message.content).toContain("[TEST_MODE]");
      }
    });
  }

  test("json_schema answers satisfy the schema (GENERIC and COHERE)", async () => {
    for (const model of ["llama", "command"]) {
      const r = await offlineClient().chat.completions.create({
        model,
        messages: [{ role: "user", content: "A person" }],
        response_format: {
          type: "json_schema",
          json_schema: {
            name: "person",
            strict: true,
            schema: {
              type: "object",
              properties: {
                name: { type: "string" },
                age: { type: "integer", minimum: 0 },
                tags: { type: "array", items: { type: "string" } },
              },
              required: ["name", "age", "tags"],
            },
          },
        },
      });
      const v = JSON.parse(r.choices[0]!.message.content!);
      expect(typeof v.name).toBe("string");
      expect(Number.isInteger(v.age) && v.age >= 0).toBe(true);
      expect(Array.isArray(v.tags)).toBe(true);
    }
  });

  test("tool_choice none gets text, not a call", async () => {
    const r = await offlineClient().chat.completions.create({
      model: "llama",
      messages: [{ role: "user", content: "hi" }],
      tools: [weatherTool],
      tool_choice: "none",
    });
    expect(r.choices[0]!.message.tool_calls ?? []).toEqual([]);
    expect(r.choices[0]!.message.content).toContain("[TEST_MODE]");
  });
});

describe("GENERIC tool round trip with the openai client on the signed path", () => {
  test("call → tool message → answer, with OCI seeing the calls and results it must", async () => {
    fake.clear();
    fake.script("chat", {
      json: genericToolCallJson({ id: "chatcmpl-tool-1", name: "get_weather", arguments: '{"city":"Paris"}' }),
    });
    const c = client(real);
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
    const first = await c.chat.completions.create({
      model: "llama",
      messages,
      tools: [weatherTool],
      tool_choice: "auto",
      parallel_tool_calls: false,
    });
    expect(first.choices[0]!.finish_reason).toBe("tool_calls");
    expect(first.choices[0]!.message.content).toBeNull();
    const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call).toEqual({
      id: "chatcmpl-tool-1",
      type: "function",
      function: { name: "get_weather", arguments: '{"city":"Paris"}' },
    });
    messages.push(first.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: "sunny, 21C" });
    const second = await c.chat.completions.create({ model: "llama", messages, tools: [weatherTool] });
    expect(second.choices[0]!.message.content).toBe("Echo: Weather in Paris?");
    const [req1, req2] = chatBodies().map((b) => b.chatRequest);
    expect(req1!.toolChoice).toEqual({ type: "AUTO" });
    expect(req1!.isParallelToolCalls).toBe(false);
    expect(req1!.tools).toEqual([
      {
        type: "FUNCTION",
        name: "get_weather",
        description: "Weather for a city",
        parameters: weatherTool.function.parameters,
      },
    ]);
    expect(req2!.messages).toEqual([
      { role: "USER", content: [{ type: "TEXT", text: "Weather in Paris?" }] },
      {
        role: "ASSISTANT",
        content: [{ type: "TEXT", text: "." }],
        toolCalls: [{ id: "chatcmpl-tool-1", type: "FUNCTION", name: "get_weather", arguments: '{"city":"Paris"}' }],
      },
      { role: "TOOL", toolCallId: "chatcmpl-tool-1", content: [{ type: "TEXT", text: "sunny, 21C" }] },
    ]);
  });

  test("parallel calls in one recorded stream keep their own index and id", async () => {
    fake.clear();
    fake.script("chat", { chunksFile: "generic-parallel-tools.chunks.txt" });
    const stream = await client(real).chat.completions.create({
      model: "llama",
      messages: [{ role: "user", content: "two cities" }],
      tools: [weatherTool],
      stream: true,
    });
    const calls = new Map<number, { id: string; name: string; args: string }>();
    for await (const chunk of stream) {
      for (const d of chunk.choices[0]?.delta?.tool_calls ?? []) {
        const cur = calls.get(d.index) ?? { id: "", name: "", args: "" };
        calls.set(d.index, {
          id: d.id ?? cur.id,
          name: cur.name + (d.function?.name ?? ""),
          args: cur.args + (d.function?.arguments ?? ""),
        });
      }
    }
    const recorded = readFixtureEvents("generic-parallel-tools.chunks.txt")
      .flatMap((e) => e.message?.toolCalls ?? [])
      .filter((t: { id?: string }) => t.id);
    expect([...calls.keys()]).toEqual(recorded.map((_: unknown, i: number) => i));
    expect([...calls.values()].map((c) => c.id)).toEqual(recorded.map((t: { id: string }) => t.id));
    for (const c of calls.values()) expect(() => JSON.parse(c.args)).not.toThrow();
  });
});

describe("direct /genai/{alias}/inference on the signed path", () => {
  test("seed shape, streamed and not; type and alias errors in the seed's envelope", async () => {
    fake.clear();
    const r = await fetch(`${real.url}/genai/llama/inference`, {
      method: "POST",
      body: JSON.stringify({ prompt: "Traduza: Olá", temperature: 0.3, max_tokens: 100, top_k: 5 }),
    });
    const body = await r.json();
    expect(body.response).toEqual({ text: "Echo: Traduza: Olá", finish_reason: "STOP" });
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
    const sent = chatBodies()[0]!.chatRequest;
    expect([sent.temperature, sent.maxTokens, sent.topK]).toEqual([0.3, 100, 5]);

    const s = await fetch(`${real.url}/genai/command/inference`, {
      method: "POST",
      body: JSON.stringify({ prompt: "Conte", stream: true }),
    });
    const events = (await s.text())
      .split("\n\n")
      .filter((f) => f.startsWith("data: "))
      .map((f) => f.slice(6));
    expect(events.at(-1)).toBe("[DONE]");
    const final = JSON.parse(events.at(-2)!);
    const deltas = events
      .slice(0, -2)
      .map((e) => JSON.parse(e).delta)
      .join("");
    expect(final.response).toEqual({ text: "Echo: Conte", finish_reason: "STOP" });
    expect(deltas).toBe("Echo: Conte");
    expect(final.usage.total_tokens).toBeGreaterThan(0);

    const agent = await fetch(`${real.url}/genai/my-agent/inference`, {
      method: "POST",
      body: JSON.stringify({ prompt: "x" }),
    });
    expect(agent.status).toBe(400);
    expect((await agent.json()).error).toContain("is an agent");
    const missing = await fetch(`${real.url}/genai/xxx/inference`, {
      method: "POST",
      body: JSON.stringify({ prompt: "x" }),
    });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "Model 'xxx' not found in llm_models.json" });
    const bad = await fetch(`${real.url}/genai/llama/inference`, {
      method: "POST",
      body: JSON.stringify({ prompt: "x", temperature: 7 }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toContain("temperature");
  });
});
