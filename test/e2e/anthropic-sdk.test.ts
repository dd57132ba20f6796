/**
 * The Anthropic Messages API through the official `@anthropic-ai/sdk` (1.17), unchanged, against
 * the compiled binary: one set of tests, run in TEST_MODE and on the real signed path via the fake
 * OCI server (where the converted chat requests OCI received are checked too). messages.create,
 * the stream helper (text deltas, finalMessage, a streamed tool_use), a tool round trip
 * (tool_use → tool_result → text), count_tokens, Bearer auth, a Claude model name served through
 * an alias's `names`, and errors in Anthropic's envelope as the SDK's typed errors.
 */
import { beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import type { Tool, ToolUseBlock } from "@anthropic-ai/sdk/resources/messages";
import {
  anthropicEnvForSuite,
  CALL_TIMEOUT_MS,
  CLIENT_API_KEY,
  expectMessagesCalls,
  expectWeatherRoundTripAtOci,
  MODEL,
  OCI_WEATHER_CALL,
  ociTranscript,
  recordingFetch,
  responsesModes,
  type SentByClient,
  weatherToolUseId,
} from "../support/anthropic-clients";

const env = anthropicEnvForSuite();

/** `city` is an enum so TEST_MODE's schema example ("Paris") is the call the real path scripts. */
const weatherTool: Tool = {
  name: "get_weather",
  description: "Current weather for a city",
  input_schema: {
    type: "object",
    properties: { city: { type: "string", enum: ["Paris", "Tokyo"] } },
    required: ["city"],
  },
};

// Blocks are compared as sent: the SDK's types also list fields the API leaves out (a text
// block's `citations`, a tool_use's `caller`), hence `as unknown[]` before toEqual.

/** The SDK's typed error a call rejected with. */
const failure = (p: PromiseLike<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> =>
  Promise.resolve(p).then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e as InstanceType<typeof Anthropic.APIError>,
  );

describe.each(responsesModes(env).map((m) => [m.name, m] as const))("Anthropic SDK — %s", (_n, mode) => {
  let sent: SentByClient[] = [];
  let client: Anthropic;
  beforeEach(() => {
    env().fake.clear();
    const rec = recordingFetch();
    sent = rec.sent;
    client = new Anthropic({
      baseURL: mode.gw().url,
      apiKey: CLIENT_API_KEY,
      maxRetries: 0,
      timeout: CALL_TIMEOUT_MS,
      fetch: rec.fetch,
    });
  });

  test("messages.create answers one text block, with usage", async () => {
    const q = "What is OCI?";
    const m = await client.messages.create({
      model: MODEL,
      max_tokens: 256,
      system: "Be brief.",
      messages: [{ role: "user", content: q }],
    });
    expect(m.id).toMatch(/^msg_/);
    expect(m.type).toBe("message");
    expect(m.role).toBe("assistant");
    expect(m.model).toBe(MODEL);
    expect(m.content as unknown[]).toEqual([{ type: "text", text: mode.answer(q) }]);
    expect(m.stop_reason).toBe("end_turn");
    expect(m.stop_sequence).toBeNull();
    expect(m.usage.input_tokens).toBeGreaterThan(0);
    expect(m.usage.output_tokens).toBeGreaterThan(0);
    expectMessagesCalls(sent, 1);
    expect(sent[0]!.body!.stream).toBeUndefined();
    const oci = mode.sent();
    if (mode.real) {
      expect(oci).toHaveLength(1);
      expect(oci[0]!.isStream).toBe(false);
      expect(oci[0]!.maxTokens).toBe(256);
      expect(ociTranscript(oci[0]!)).toEqual(["SYSTEM: Be brief.", `USER: ${q}`]);
    }
  });

  test("messages.stream: several text deltas add up to the answer; finalMessage holds it", async () => {
    const q = "Tell me a story about clouds";
    const stream = client.messages.stream({ model: MODEL, max_tokens: 256, messages: [{ role: "user", content: q }] });
    const deltas: string[] = [];
    const events: string[] = [];
    stream.on("text", (d) => void deltas.push(d));
    stream.on("streamEvent", (e) => void events.push(e.type));
    const final = await stream.finalMessage();
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(mode.answer(q));
    expect(final.content as unknown[]).toEqual([{ type: "text", text: mode.answer(q) }]);
    expect(final.stop_reason).toBe("end_turn");
    expect(final.id).toMatch(/^msg_/);
    expect(final.usage.output_tokens).toBeGreaterThan(0);
    // Anthropic's event order, one text block (pings may come between any two events).
    expect(events.filter((e) => e !== "ping")).toEqual([
      "message_start",
      "content_block_start",
      ...Array(deltas.length).fill("content_block_delta"),
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expectMessagesCalls(sent, 1);
    expect(sent[0]!.body!.stream).toBe(true);
    const oci = mode.sent();
    if (mode.real) {
      expect(oci[0]!.isStream).toBe(true);
      expect(ociTranscript(oci[0]!)).toEqual([`USER: ${q}`]);
    }
  });

  test("tool round trip: tool_use → tool_result → text", async () => {
    mode.scriptToolCall(OCI_WEATHER_CALL);
    const q = "What is the weather in Paris?";
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: q }];
    const first = await client.messages.create({ model: MODEL, max_tokens: 256, tools: [weatherTool], messages });
    expect(first.stop_reason).toBe("tool_use");
    const uses = first.content.filter((b): b is ToolUseBlock => b.type === "tool_use");
    expect(uses as unknown[]).toEqual([
      { type: "tool_use", id: weatherToolUseId(mode), name: "get_weather", input: { city: "Paris" } },
    ]);
    // Only a text block may stand beside the call (the model's words before it).
    for (const b of first.content) expect(["text", "tool_use"]).toContain(b.type);

    messages.push(
      { role: "assistant", content: first.content },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: uses[0]!.id, content: '{"sky":"sunny","tempC":21}' }],
      },
    );
    const second = await client.messages.create({ model: MODEL, max_tokens: 256, tools: [weatherTool], messages });
    expect(second.stop_reason).toBe("end_turn");
    expect(second.content as unknown[]).toEqual([{ type: "text", text: mode.answer(q) }]);

    expectMessagesCalls(sent, 2);
    const oci = mode.sent();
    if (mode.real) {
      expect(oci).toHaveLength(2);
      expect(oci[0]!.tools).toEqual([
        {
          type: "FUNCTION",
          name: "get_weather",
          description: "Current weather for a city",
          parameters: weatherTool.input_schema,
        },
      ]);
      expectWeatherRoundTripAtOci(oci[1]!, q, '{"sky":"sunny","tempC":21}');
    }
  });

  test("messages.stream with a tool: the input arrives as input_json deltas and finalMessage parses it", async () => {
    mode.scriptToolCall(OCI_WEATHER_CALL);
    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 256,
      tools: [weatherTool],
      messages: [{ role: "user", content: "What is the weather in Paris?" }],
    });
    const json: string[] = [];
    stream.on("inputJson", (d) => void json.push(d));
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe("tool_use");
    expect(final.content.filter((b) => b.type === "tool_use") as unknown[]).toEqual([
      { type: "tool_use", id: weatherToolUseId(mode), name: "get_weather", input: { city: "Paris" } },
    ]);
    expect(JSON.parse(json.join(""))).toEqual({ city: "Paris" });
    const oci = mode.sent();
    if (mode.real) expect(oci[0]!.isStream).toBe(true);
  });

  test("arguments OCI sends that are not a JSON object: the stream's finalMessage and create give the same input", async () => {
    if (!mode.real) return; // TEST_MODE's calls are made from the schema, always an object
    const bad = { ...OCI_WEATHER_CALL, arguments: '{"city": Paris}' };
    const ask = {
      model: MODEL,
      max_tokens: 256,
      tools: [weatherTool],
      messages: [{ role: "user" as const, content: "Weather?" }],
    };
    mode.scriptToolCall(bad);
    const streamed = await client.messages.stream(ask).finalMessage();
    mode.scriptToolCall(bad);
    const whole = await client.messages.create(ask);
    const input = (m: { content: unknown[] }) =>
      (m.content.find((b) => (b as ToolUseBlock).type === "tool_use") as ToolUseBlock).input;
    expect(input(streamed)).toEqual({ input: '{"city": Paris}' });
    expect(input(whole)).toEqual(input(streamed));
  });

  test("count_tokens: an estimate of the input, without calling OCI", async () => {
    const small = await client.messages.countTokens({ model: MODEL, messages: [{ role: "user", content: "Hi" }] });
    const big = await client.messages.countTokens({
      model: MODEL,
      system: "You are a helpful assistant who answers questions about clouds.",
      tools: [weatherTool],
      messages: [{ role: "user", content: "What is the weather in Paris? ".repeat(20) }],
    });
    expect(small.input_tokens).toBeGreaterThan(0);
    expect(big.input_tokens).toBeGreaterThan(small.input_tokens);
    expectMessagesCalls(sent, 2, "/count_tokens");
    expect(mode.sent()).toEqual([]);
  });

  test("a Claude model name resolves through an alias's `names`: the message names the model as sent", async () => {
    const m = await client.messages.create({
      model: "claude-sonnet-4-5-20250929",
      max_tokens: 64,
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(m.model).toBe("claude-sonnet-4-5-20250929");
    expect(m.content as unknown[]).toEqual([{ type: "text", text: mode.answer("Hi") }]);
    mode.sent();
    if (mode.real) {
      expect(env().fake.requestsFor("chat")[0]!.body).toMatchObject({
        servingMode: { modelId: "meta.llama-3.3-70b-instruct" },
      });
    }
  });

  test("a Bearer token (authToken) is accepted as well as x-api-key", async () => {
    const bearer = new Anthropic({
      baseURL: mode.gw().url,
      authToken: CLIENT_API_KEY,
      maxRetries: 0,
      timeout: CALL_TIMEOUT_MS,
    });
    const m = await bearer.messages.create({
      model: MODEL,
      max_tokens: 64,
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(m.content as unknown[]).toEqual([{ type: "text", text: mode.answer("Hi") }]);
  });

  describe("errors: Anthropic's envelope, as the SDK's typed errors", () => {
    const create = (c: Anthropic, body: Record<string, unknown>) =>
      c.messages.create(body as unknown as Anthropic.MessageCreateParamsNonStreaming);
    const hi = { max_tokens: 64, messages: [{ role: "user", content: "Hi" }] };

    test("a bad key: 401 AuthenticationError, authentication_error", async () => {
      const c = new Anthropic({ baseURL: mode.gw().url, apiKey: "wrong-key", maxRetries: 0, timeout: CALL_TIMEOUT_MS });
      const e = await failure(create(c, { model: MODEL, ...hi }));
      expect(e).toBeInstanceOf(Anthropic.AuthenticationError);
      expect(e.status).toBe(401);
      expect(e.type).toBe("authentication_error");
      expect(e.error).toMatchObject({ type: "error", error: { type: "authentication_error" } });
      expect(mode.sent()).toEqual([]);
    });

    test("an unknown model: 404 NotFoundError, not_found_error", async () => {
      const e = await failure(create(client, { model: "no-such-model", ...hi }));
      expect(e).toBeInstanceOf(Anthropic.NotFoundError);
      expect(e.status).toBe(404);
      expect(e.type).toBe("not_found_error");
      expect(e.apiMessage).toContain("no-such-model");
      expect(mode.sent()).toEqual([]);
    });

    test("an invalid body: 400 BadRequestError, invalid_request_error naming the parameter", async () => {
      const noMax = await failure(create(client, { model: MODEL, messages: hi.messages }));
      expect(noMax).toBeInstanceOf(Anthropic.BadRequestError);
      expect(noMax.status).toBe(400);
      expect(noMax.type).toBe("invalid_request_error");
      expect(noMax.apiMessage).toContain("max_tokens");
      const hot = await failure(create(client, { model: MODEL, ...hi, temperature: 5 }));
      expect(hot).toBeInstanceOf(Anthropic.BadRequestError);
      expect(hot.type).toBe("invalid_request_error");
      expect(hot.apiMessage).toContain("temperature");
      expect(mode.sent()).toEqual([]);
    });
  });
});
