/**
 * LangChain's `ChatOpenAI` (@langchain/openai 1.x) against the compiled binary: one set of tests
 * (invoke, stream, tool calls), run in TEST_MODE and on the real signed path via the fake OCI server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { type AIMessageChunk, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { ChatOpenAI } from "@langchain/openai";
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

const chat = (g: Gateway) =>
  new ChatOpenAI({
    model: "llama",
    apiKey: CLIENT_API_KEY,
    configuration: { baseURL: `${g.url}/v1` },
    maxRetries: 0,
    timeout: CALL_TIMEOUT_MS,
  });

const weatherInput = z.object({ city: z.string(), unit: z.string().optional() });

const getWeather = tool(async (input) => JSON.stringify({ city: input.city, tempC: 21, sky: "sunny" }), {
  name: "get_weather",
  description: "Current weather for a city",
  schema: weatherInput,
});

/** Consumes `.stream()` as LangChain users do, keeping every chunk. */
async function collect(
  stream: AsyncIterable<AIMessageChunk>,
): Promise<{ chunks: AIMessageChunk[]; full: AIMessageChunk }> {
  const chunks: AIMessageChunk[] = [];
  let full: AIMessageChunk | undefined;
  for await (const c of stream) {
    chunks.push(c);
    full = full ? full.concat(c) : c;
  }
  if (!full) throw new Error("the stream yielded nothing");
  return { chunks, full };
}

const textOf = (c: AIMessageChunk) =>
  typeof c.content === "string" ? c.content : c.content.map((p) => ("text" in p ? p.text : "")).join("");

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
  expectToolCall(ai: AIMessageChunk): void;
  expectStreamedToolCall(full: AIMessageChunk): void;
  /** What OCI received for the test just run. */
  sent: {
    invoke(): void;
    stream(): void;
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
  sent: { invoke: nothingSent, stream: nothingSent, toolRoundTrip: nothingSent, streamedToolCall: nothingSent },
};

const REAL_PATH: Mode = {
  gw: () => env.real,
  answer: echoAnswer,
  scriptToolCall: () =>
    oci().script("chat", {
      json: genericToolCallJson({ id: "call_oci_1", name: "get_weather", arguments: '{"city":"Paris"}' }),
    }),
  scriptStreamedToolCall: () => oci().script("chat", { chunksFile: "generic-tool-call.chunks.txt", gapMs: 2 }),
  expectToolCall: (ai) =>
    expect(ai.tool_calls).toEqual([
      expect.objectContaining({ name: "get_weather", id: "call_oci_1", args: { city: "Paris" } }),
    ]),
  expectStreamedToolCall: (full) =>
    expect(full.tool_calls).toEqual([
      expect.objectContaining({
        name: FIXTURE_TOOL_CALL.name,
        id: FIXTURE_TOOL_CALL.id,
        args: FIXTURE_TOOL_CALL.args,
      }),
    ]),
  sent: {
    invoke() {
      const [req] = signedChatRequests(oci());
      expect(req!.apiFormat).toBe("GENERIC");
    },
    stream() {
      const [req] = signedChatRequests(oci());
      expect(req!.isStream).toBe(true);
    },
    toolRoundTrip() {
      const reqs = signedChatRequests(oci());
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
      const last = msgs[msgs.length - 1]!;
      expect(last.role).toBe("TOOL");
      expect(last.toolCallId).toBe("call_oci_1");
      expect(JSON.stringify(last.content)).toContain("sunny");
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
] as const)("LangChain — %s", (_name, mode) => {
  beforeEach(() => env.fake.clear());

  test(
    "invoke",
    async () => {
      const r = await chat(mode.gw()).invoke([new HumanMessage("What is OCI?")]);
      expect(r.content).toBe(mode.answer("What is OCI?"));
      expect(r.response_metadata.finish_reason).toBe("stop");
      expect(r.usage_metadata?.total_tokens).toBeGreaterThan(0);
      mode.sent.invoke();
    },
    TEST_TIMEOUT_MS,
  );

  test(
    ".stream() yields several chunks that add up to the answer",
    async () => {
      const { chunks, full } = await collect(await chat(mode.gw()).stream("Tell me a story about clouds"));
      const texts = chunks.map(textOf).filter((t) => t !== "");
      expect(texts.join("")).toBe(mode.answer("Tell me a story about clouds"));
      expect(texts.length).toBeGreaterThan(2);
      expect(full.response_metadata.finish_reason).toBe("stop");
      expect(full.usage_metadata?.output_tokens).toBeGreaterThan(0);
      mode.sent.stream();
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "tool call round trip: bindTools → tool_calls → ToolMessage → text answer",
    async () => {
      mode.scriptToolCall();
      const model = chat(mode.gw()).bindTools([getWeather]);
      const question = new HumanMessage("Weather in Paris?");
      const ai = await model.invoke([question]);
      expect(ai.tool_calls).toHaveLength(1);
      const call = ai.tool_calls![0]!;
      expect(call.name).toBe("get_weather");
      expect(call.id).toBeTruthy();
      expect(weatherInput.safeParse(call.args).success).toBe(true);
      expect(ai.invalid_tool_calls ?? []).toEqual([]);
      expect(ai.response_metadata.finish_reason).toBe("tool_calls");
      mode.expectToolCall(ai);

      const toolMsg = await getWeather.invoke(call);
      expect(toolMsg).toBeInstanceOf(ToolMessage);
      expect(toolMsg.tool_call_id).toBe(call.id!);
      // Last message is a tool result: the answer is text.
      const final = await model.invoke([question, ai, toolMsg]);
      expect(final.tool_calls ?? []).toEqual([]);
      expect(final.content).toBe(mode.answer("Weather in Paris?"));
      mode.sent.toolRoundTrip();
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "streamed tool call: .stream() chunks concatenate into one get_weather call",
    async () => {
      mode.scriptStreamedToolCall();
      const { full } = await collect(await chat(mode.gw()).bindTools([getWeather]).stream("Weather in Paris?"));
      expect(full.invalid_tool_calls ?? []).toEqual([]);
      expect(full.tool_calls).toHaveLength(1);
      expect(full.tool_calls![0]!.name).toBe("get_weather");
      expect(weatherInput.safeParse(full.tool_calls![0]!.args).success).toBe(true);
      expect(full.response_metadata.finish_reason).toBe("tool_calls");
      mode.expectStreamedToolCall(full);
      mode.sent.streamedToolCall();
    },
    TEST_TIMEOUT_MS,
  );
});
