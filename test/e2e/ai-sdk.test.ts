/**
 * The Vercel AI SDK (`ai` 7 + `@ai-sdk/openai-compatible`) against the compiled binary: one set of
 * tests (chat, stream, tool calls), run in TEST_MODE and on the real signed path via the fake OCI
 * server.
 */
import { beforeEach, describe, expect, test } from "bun:test";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, stepCountIs, streamText, type TextStreamPart, type ToolSet, tool } from "ai";
import { z } from "zod";
import { weatherRoundTrip } from "../support/ai-sdk-steps";
import { type ClientMode, clientModes } from "../support/client-modes";
import { CALL_TIMEOUT_MS, CLIENT_API_KEY, clientEnvForSuite, FIXTURE_TOOL_CALL } from "../support/clients";
import type { Gateway } from "../support/gateway";

const env = clientEnvForSuite();

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

type ToolCallPart = Extract<TextStreamPart<ToolSet>, { type: "tool-call" }>;

/** Beyond the shared modes: the exact call expected, on top of what every mode checks (a valid get_weather call). */
interface Mode extends ClientMode {
  expectToolCall(call: { toolCallId: string; input: unknown }): void;
  expectStreamedToolCall(call: ToolCallPart): void;
}

const modes = clientModes(env);

const TEST_MODE: Mode = { ...modes.testMode, expectToolCall: () => {}, expectStreamedToolCall: () => {} };

const REAL_PATH: Mode = {
  ...modes.realPath,
  expectToolCall(call) {
    expect(call.toolCallId).toBe("call_oci_1");
    expect(call.input).toEqual({ city: "Paris" });
  },
  expectStreamedToolCall(call) {
    expect(call.toolName).toBe(FIXTURE_TOOL_CALL.name);
    expect(call.toolCallId).toBe(FIXTURE_TOOL_CALL.id);
    expect(call.input).toEqual(FIXTURE_TOOL_CALL.args);
  },
};

describe.each([
  ["TEST_MODE", TEST_MODE],
  ["real path via fake OCI", REAL_PATH],
] as const)("AI SDK — %s", (_name, mode) => {
  beforeEach(() => env().fake.clear());

  test("generateText", async () => {
    const r = await generateText({ model: model(mode.gw()), prompt: "What is OCI?", ...bounded() });
    expect(r.text).toBe(mode.answer("What is OCI?"));
    expect(r.finishReason).toBe("stop");
    expect(r.usage.totalTokens).toBeGreaterThan(0);
    mode.sent.chat((req) => expect(req.isStream).not.toBe(true));
  });

  test("streamText: textStream yields several chunks that add up to the answer", async () => {
    const errors: unknown[] = [];
    const r = streamText({
      model: model(mode.gw()),
      prompt: "Tell me a story about clouds",
      ...bounded(),
      onError: ({ error }) => void errors.push(error),
    });
    const chunks: string[] = [];
    for await (const t of r.textStream) chunks.push(t);
    expect(errors).toEqual([]);
    expect(chunks.join("")).toBe(mode.answer("Tell me a story about clouds"));
    expect(chunks.length).toBeGreaterThan(2);
    expect(await r.finishReason).toBe("stop");
    expect((await r.usage).outputTokens).toBeGreaterThan(0);
    mode.sent.stream();
  });

  test("tool call round trip: the SDK runs get_weather, sends the result back and gets a text answer", async () => {
    mode.scriptToolCall();
    const executed: unknown[] = [];
    const r = await generateText({
      model: model(mode.gw()),
      prompt: "Weather in Paris?",
      tools: { get_weather: weatherTool(executed) },
      stopWhen: stepCountIs(3),
      ...bounded(),
    });
    // Last message is a tool result: the answer is text.
    const { call, output } = weatherRoundTrip(r);
    expect(call.toolCallId).toBeTruthy();
    expect(weatherInput.safeParse(call.input).success).toBe(true);
    mode.expectToolCall(call);
    expect(executed).toEqual([call.input]);
    expect(output).toEqual({ tempC: 21, sky: "sunny" });
    expect(r.text).toBe(mode.answer("Weather in Paris?"));
    mode.sent.toolRoundTrip();
  });

  test("streamed tool call: fullStream surfaces get_weather with schema-valid input", async () => {
    mode.scriptStreamedToolCall();
    const r = streamText({
      model: model(mode.gw()),
      prompt: "Weather in Paris?",
      tools: { get_weather: tool({ inputSchema: weatherInput }) },
      ...bounded(),
    });
    const parts = await drain(r.fullStream);
    const calls = parts.filter((p) => p.type === "tool-call") as ToolCallPart[];
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call.toolName).toBe("get_weather");
    expect(call.invalid).toBeFalsy();
    expect(weatherInput.safeParse(call.input).success).toBe(true);
    mode.expectStreamedToolCall(call);
    expect(await r.finishReason).toBe("tool-calls");
    mode.sent.streamedToolCall();
  });
});
