/**
 * The Vercel AI SDK (`ai` 7 + `@ai-sdk/openai-compatible`) against the compiled binary, in
 * TEST_MODE and on the real signed path via the fake OCI server: chat, stream, tool calls.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, stepCountIs, streamText, type TextStreamPart, type ToolSet, tool } from "ai";
import { z } from "zod";
import {
  CALL_TIMEOUT_MS,
  CLIENT_API_KEY,
  type ClientEnv,
  echoAnswer,
  expectFlatWeatherTool,
  FIXTURE_TOOL_CALL,
  genericToolCallJson,
  SETUP_TIMEOUT_MS,
  signedChatRequests,
  startClientEnv,
  TEST_TIMEOUT_MS,
  testModeAnswer,
} from "../support/clients";
import type { Gateway } from "../support/gateway";

let env: ClientEnv;

beforeAll(async () => {
  env = await startClientEnv();
}, SETUP_TIMEOUT_MS);
afterAll(async () => {
  await env?.stop();
});

const model = (g: Gateway) =>
  createOpenAICompatible({
    name: "ocigenai",
    baseURL: `${g.url}/v1`,
    apiKey: CLIENT_API_KEY,
    includeUsage: true,
  }).chatModel("llama");

/** Options every call gets: no retries (a failure must show), bounded in time. */
const bounded = () => ({ maxRetries: 0, abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) });

const weatherInput = z.object({ city: z.string(), unit: z.string().optional() });

const weatherTool = (calls: unknown[] = []) =>
  tool({
    description: "Current weather for a city",
    inputSchema: weatherInput,
    execute: async (input) => {
      calls.push(input);
      return { tempC: 21, sky: "sunny" };
    },
  });

/** Reads a streamText full stream, failing on any `error` part. */
async function drain<T extends ToolSet>(stream: AsyncIterable<TextStreamPart<T>>): Promise<TextStreamPart<T>[]> {
  const parts: TextStreamPart<T>[] = [];
  for await (const p of stream) {
    if (p.type === "error") throw p.error instanceof Error ? p.error : new Error(JSON.stringify(p.error));
    parts.push(p);
  }
  return parts;
}

describe("AI SDK — TEST_MODE", () => {
  const gw = () => env.testMode;

  test(
    "generateText",
    async () => {
      const r = await generateText({ model: model(gw()), prompt: "What is OCI?", ...bounded() });
      expect(r.text).toBe(testModeAnswer("What is OCI?"));
      expect(r.finishReason).toBe("stop");
      expect(r.usage.totalTokens).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "streamText: textStream yields several chunks that add up to the answer",
    async () => {
      const errors: unknown[] = [];
      const r = streamText({
        model: model(gw()),
        prompt: "Tell me a story about clouds",
        ...bounded(),
        onError: ({ error }) => void errors.push(error),
      });
      const chunks: string[] = [];
      for await (const t of r.textStream) chunks.push(t);
      expect(errors).toEqual([]);
      expect(chunks.join("")).toBe(testModeAnswer("Tell me a story about clouds"));
      expect(chunks.length).toBeGreaterThan(2);
      expect(await r.finishReason).toBe("stop");
      expect((await r.usage).outputTokens).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "tool call round trip: the SDK runs get_weather, sends the result back and gets a text answer",
    async () => {
      const executed: unknown[] = [];
      const r = await generateText({
        model: model(gw()),
        prompt: "Weather in Paris?",
        tools: { get_weather: weatherTool(executed) },
        stopWhen: stepCountIs(3),
        ...bounded(),
      });
      expect(r.steps).toHaveLength(2);
      const [first, second] = r.steps;
      expect(first!.finishReason).toBe("tool-calls");
      expect(first!.toolCalls).toHaveLength(1);
      const call = first!.toolCalls[0]!;
      expect(call.toolName).toBe("get_weather");
      expect(call.invalid).toBeFalsy();
      expect(call.toolCallId).toBeTruthy();
      expect(weatherInput.safeParse(call.input).success).toBe(true);
      expect(executed).toEqual([call.input]);
      expect(first!.toolResults[0]!.output).toEqual({ tempC: 21, sky: "sunny" });
      // Last message is a tool result: TEST_MODE answers with text.
      expect(second!.finishReason).toBe("stop");
      expect(r.text).toBe(testModeAnswer("Weather in Paris?"));
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "streamed tool call: fullStream surfaces get_weather with schema-valid input",
    async () => {
      const r = streamText({
        model: model(gw()),
        prompt: "Weather in Oslo?",
        tools: { get_weather: weatherTool() },
        ...bounded(),
      });
      const parts = await drain(r.fullStream);
      const calls = parts.filter((p) => p.type === "tool-call");
      expect(calls).toHaveLength(1);
      const call = calls[0]! as Extract<TextStreamPart<ToolSet>, { type: "tool-call" }>;
      expect(call.toolName).toBe("get_weather");
      expect(call.invalid).toBeFalsy();
      expect(weatherInput.safeParse(call.input).success).toBe(true);
      expect(await r.finishReason).toBe("tool-calls");
    },
    TEST_TIMEOUT_MS,
  );
});

describe("AI SDK — real path via fake OCI", () => {
  const gw = () => env.real;
  beforeEach(() => env.fake.clear());

  test(
    "generateText",
    async () => {
      const r = await generateText({ model: model(gw()), prompt: "What is OCI?", ...bounded() });
      expect(r.text).toBe(echoAnswer("What is OCI?"));
      expect(r.finishReason).toBe("stop");
      expect(r.usage.totalTokens).toBeGreaterThan(0);
      const [req] = signedChatRequests(env.fake);
      expect(req!.apiFormat).toBe("GENERIC");
      expect(req!.isStream).not.toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "streamText: textStream yields several chunks that add up to the answer",
    async () => {
      const errors: unknown[] = [];
      const r = streamText({
        model: model(gw()),
        prompt: "Tell me a story about clouds",
        ...bounded(),
        onError: ({ error }) => void errors.push(error),
      });
      const chunks: string[] = [];
      for await (const t of r.textStream) chunks.push(t);
      expect(errors).toEqual([]);
      expect(chunks.join("")).toBe(echoAnswer("Tell me a story about clouds"));
      expect(chunks.length).toBeGreaterThan(2);
      expect(await r.finishReason).toBe("stop");
      expect((await r.usage).outputTokens).toBeGreaterThan(0);
      const [req] = signedChatRequests(env.fake);
      expect(req!.isStream).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "tool call round trip: OCI's tool call reaches the SDK, the tool result goes back to OCI",
    async () => {
      env.fake.script("chat", {
        json: genericToolCallJson({ id: "call_oci_1", name: "get_weather", arguments: '{"city":"Paris"}' }),
      });
      const executed: unknown[] = [];
      const r = await generateText({
        model: model(gw()),
        prompt: "Weather in Paris?",
        tools: { get_weather: weatherTool(executed) },
        stopWhen: stepCountIs(3),
        ...bounded(),
      });
      expect(r.steps).toHaveLength(2);
      const call = r.steps[0]!.toolCalls[0]!;
      expect(call.toolName).toBe("get_weather");
      expect(call.toolCallId).toBe("call_oci_1");
      expect(call.input).toEqual({ city: "Paris" });
      expect(r.steps[0]!.finishReason).toBe("tool-calls");
      expect(executed).toEqual([{ city: "Paris" }]);
      expect(r.text).toBe(echoAnswer("Weather in Paris?"));

      const reqs = signedChatRequests(env.fake);
      expect(reqs).toHaveLength(2);
      expectFlatWeatherTool(reqs[0]!);
      const msgs = reqs[1]!.messages as Array<Record<string, unknown>>;
      const assistant = msgs.find((m) => m.role === "ASSISTANT")!;
      expect(assistant.toolCalls).toEqual([
        { id: "call_oci_1", type: "FUNCTION", name: "get_weather", arguments: expect.any(String) },
      ]);
      expect(JSON.parse((assistant.toolCalls as Array<{ arguments: string }>)[0]!.arguments)).toEqual({
        city: "Paris",
      });
      const toolMsg = msgs[msgs.length - 1]!;
      expect(toolMsg.role).toBe("TOOL");
      expect(toolMsg.toolCallId).toBe("call_oci_1");
      expect(JSON.stringify(toolMsg.content)).toContain("sunny");
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "streamed tool call: OCI's fragmented tool-call stream reaches fullStream as one get_weather call",
    async () => {
      env.fake.script("chat", { chunksFile: "generic-tool-call.chunks.txt", gapMs: 2 });
      const r = streamText({
        model: model(gw()),
        prompt: "Weather in Paris?",
        tools: { get_weather: tool({ inputSchema: weatherInput }) },
        ...bounded(),
      });
      const parts = await drain(r.fullStream);
      const calls = parts.filter((p) => p.type === "tool-call") as Array<
        Extract<TextStreamPart<ToolSet>, { type: "tool-call" }>
      >;
      expect(calls).toHaveLength(1);
      expect(calls[0]!.toolName).toBe(FIXTURE_TOOL_CALL.name);
      expect(calls[0]!.toolCallId).toBe(FIXTURE_TOOL_CALL.id);
      expect(calls[0]!.invalid).toBeFalsy();
      expect(calls[0]!.input).toEqual(FIXTURE_TOOL_CALL.args);
      expect(await r.finishReason).toBe("tool-calls");

      const [req] = signedChatRequests(env.fake);
      expect(req!.isStream).toBe(true);
      expectFlatWeatherTool(req!);
    },
    TEST_TIMEOUT_MS,
  );
});
