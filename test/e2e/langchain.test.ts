/**
 * LangChain's `ChatOpenAI` (@langchain/openai 1.x) against the compiled binary: one set of tests
 * (invoke, stream, tool calls), run in TEST_MODE and on the real signed path via the fake OCI server.
 */
import { beforeEach, describe, expect, test } from "bun:test";
import { type AIMessageChunk, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { ChatOpenAI } from "@langchain/openai";
import { z } from "zod";
import { type ClientMode, clientModes } from "../support/client-modes";
import { CALL_TIMEOUT_MS, CLIENT_API_KEY, clientEnvForSuite, FIXTURE_TOOL_CALL } from "../support/clients";
import type { Gateway } from "../support/gateway";

const env = clientEnvForSuite();

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

/** Beyond the shared modes: the exact call expected, on top of what every mode checks (a valid get_weather call). */
interface Mode extends ClientMode {
  expectToolCall(ai: AIMessageChunk): void;
  expectStreamedToolCall(full: AIMessageChunk): void;
}

const modes = clientModes(env);

const TEST_MODE: Mode = { ...modes.testMode, expectToolCall: () => {}, expectStreamedToolCall: () => {} };

const REAL_PATH: Mode = {
  ...modes.realPath,
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
};

describe.each([
  ["TEST_MODE", TEST_MODE],
  ["real path via fake OCI", REAL_PATH],
] as const)("LangChain — %s", (_name, mode) => {
  beforeEach(() => env().fake.clear());

  test("invoke", async () => {
    const r = await chat(mode.gw()).invoke([new HumanMessage("What is OCI?")]);
    expect(r.content).toBe(mode.answer("What is OCI?"));
    expect(r.response_metadata.finish_reason).toBe("stop");
    expect(r.usage_metadata?.total_tokens).toBeGreaterThan(0);
    mode.sent.chat();
  });

  test(".stream() yields several chunks that add up to the answer", async () => {
    const { chunks, full } = await collect(await chat(mode.gw()).stream("Tell me a story about clouds"));
    const texts = chunks.map(textOf).filter((t) => t !== "");
    expect(texts.join("")).toBe(mode.answer("Tell me a story about clouds"));
    expect(texts.length).toBeGreaterThan(2);
    expect(full.response_metadata.finish_reason).toBe("stop");
    expect(full.usage_metadata?.output_tokens).toBeGreaterThan(0);
    mode.sent.stream();
  });

  test("tool call round trip: bindTools → tool_calls → ToolMessage → text answer", async () => {
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
  });

  test("streamed tool call: .stream() chunks concatenate into one get_weather call", async () => {
    mode.scriptStreamedToolCall();
    const { full } = await collect(await chat(mode.gw()).bindTools([getWeather]).stream("Weather in Paris?"));
    expect(full.invalid_tool_calls ?? []).toEqual([]);
    expect(full.tool_calls).toHaveLength(1);
    expect(full.tool_calls![0]!.name).toBe("get_weather");
    expect(weatherInput.safeParse(full.tool_calls![0]!.args).success).toBe(true);
    expect(full.response_metadata.finish_reason).toBe("tool_calls");
    mode.expectStreamedToolCall(full);
    mode.sent.streamedToolCall();
  });
});
