/**
 * The Vercel AI SDK (`ai` 7 + `@ai-sdk/openai-compatible`) against the compiled binary: one set of
 * tests (chat, stream, tool calls), run in TEST_MODE and on the real signed path via the fake OCI
 * server.
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

type ToolCallPart = Extract<TextStreamPart<ToolSet>, { type: "tool-call" }>;
type Rec = Record<string, unknown>;

/**
 * What differs between the two modes; the tests themselves are one set, run in both. TEST_MODE
 * simulates its own answers (and must not call OCI); on the real path the fake OCI answers and
 * the tests check what it received, signed.
 */
interface Mode {
  gw(): Gateway;
  answer(q: string): string;
  /** Before a tool-call test: nothing offline; on the real path, script OCI's tool call. */
  scriptToolCall(): void;
  scriptStreamedToolCall(): void;
  /** The exact call expected, beyond what every mode checks (a valid get_weather call). */
  expectToolCall(call: { toolCallId: string; input: unknown }): void;
  expectStreamedToolCall(call: ToolCallPart): void;
  /** What OCI received for the test just run. */
  sent: {
    generateText(): void;
    streamText(): void;
    toolRoundTrip(): void;
    streamedToolCall(): void;
  };
}

const oci = () => env.fake;
const nothingSent = () => expect(oci().requests).toEqual([]);

const TEST_MODE: Mode = {
  gw: () => env.testMode,
  answer: testModeAnswer,
  scriptToolCall: () => {},
  scriptStreamedToolCall: () => {},
  expectToolCall: () => {},
  expectStreamedToolCall: () => {},
  sent: {
    generateText: nothingSent,
    streamText: nothingSent,
    toolRoundTrip: nothingSent,
    streamedToolCall: nothingSent,
  },
};

const REAL_PATH: Mode = {
  gw: () => env.real,
  answer: echoAnswer,
  scriptToolCall: () =>
    oci().script("chat", {
      json: genericToolCallJson({ id: "call_oci_1", name: "get_weather", arguments: '{"city":"Paris"}' }),
    }),
  scriptStreamedToolCall: () => oci().script("chat", { chunksFile: "generic-tool-call.chunks.txt", gapMs: 2 }),
  expectToolCall(call) {
    expect(call.toolCallId).toBe("call_oci_1");
    expect(call.input).toEqual({ city: "Paris" });
  },
  expectStreamedToolCall(call) {
    expect(call.toolName).toBe(FIXTURE_TOOL_CALL.name);
    expect(call.toolCallId).toBe(FIXTURE_TOOL_CALL.id);
    expect(call.input).toEqual(FIXTURE_TOOL_CALL.args);
  },
  sent: {
    generateText() {
      const [req] = signedChatRequests(oci());
      expect(req!.apiFormat).toBe("GENERIC");
      expect(req!.isStream).not.toBe(true);
    },
    streamText() {
      const [req] = signedChatRequests(oci());
      expect(req!.isStream).toBe(true);
    },
    toolRoundTrip() {
      const reqs = signedChatRequests(oci());
      expect(reqs).toHaveLength(2);
      expectFlatWeatherTool(reqs[0]!);
      const msgs = reqs[1]!.messages as Rec[];
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
    streamedToolCall() {
      const [req] = signedChatRequests(oci());
      expect(req!.isStream).toBe(true);
      expectFlatWeatherTool(req!);
    },
  },
};

describe.each([
  ["TEST_MODE", TEST_MODE],
  ["real path via fake OCI", REAL_PATH],
] as const)("AI SDK — %s", (_name, mode) => {
  beforeEach(() => env.fake.clear());

  test(
    "generateText",
    async () => {
      const r = await generateText({ model: model(mode.gw()), prompt: "What is OCI?", ...bounded() });
      expect(r.text).toBe(mode.answer("What is OCI?"));
      expect(r.finishReason).toBe("stop");
      expect(r.usage.totalTokens).toBeGreaterThan(0);
      mode.sent.generateText();
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "streamText: textStream yields several chunks that add up to the answer",
    async () => {
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
      mode.sent.streamText();
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "tool call round trip: the SDK runs get_weather, sends the result back and gets a text answer",
    async () => {
      mode.scriptToolCall();
      const executed: unknown[] = [];
      const r = await generateText({
        model: model(mode.gw()),
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
      mode.expectToolCall(call);
      expect(executed).toEqual([call.input]);
      expect(first!.toolResults[0]!.output).toEqual({ tempC: 21, sky: "sunny" });
      // Last message is a tool result: the answer is text.
      expect(second!.finishReason).toBe("stop");
      expect(r.text).toBe(mode.answer("Weather in Paris?"));
      mode.sent.toolRoundTrip();
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "streamed tool call: fullStream surfaces get_weather with schema-valid input",
    async () => {
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
    },
    TEST_TIMEOUT_MS,
  );
});
