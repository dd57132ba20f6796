/**
 * LangChain's `ChatOpenAI` (@langchain/openai 1.x) against the compiled binary, in TEST_MODE and
 * on the real signed path via the fake OCI server: invoke, stream, tool calls.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { AIMessage, type AIMessageChunk, HumanMessage, ToolMessage } from "@langchain/core/messages";
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

describe("LangChain — TEST_MODE", () => {
  const gw = () => env.testMode;

  test(
    "invoke",
    async () => {
      const r = await chat(gw()).invoke([new HumanMessage("What is OCI?")]);
      expect(r.content).toBe(testModeAnswer("What is OCI?"));
      expect(r.response_metadata.finish_reason).toBe("stop");
      expect(r.usage_metadata?.total_tokens).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    ".stream() yields several chunks that add up to the answer",
    async () => {
      const { chunks, full } = await collect(await chat(gw()).stream("Tell me a story about clouds"));
      const texts = chunks.map(textOf).filter((t) => t !== "");
      expect(texts.join("")).toBe(testModeAnswer("Tell me a story about clouds"));
      expect(texts.length).toBeGreaterThan(2);
      expect(full.response_metadata.finish_reason).toBe("stop");
      expect(full.usage_metadata?.output_tokens).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "tool call round trip: bindTools → tool_calls → ToolMessage → text answer",
    async () => {
      const model = chat(gw()).bindTools([getWeather]);
      const question = new HumanMessage("Weather in Paris?");
      const ai = await model.invoke([question]);
      expect(ai.tool_calls).toHaveLength(1);
      const call = ai.tool_calls![0]!;
      expect(call.name).toBe("get_weather");
      expect(call.id).toBeTruthy();
      expect(weatherInput.safeParse(call.args).success).toBe(true);
      expect(ai.invalid_tool_calls ?? []).toEqual([]);
      expect(ai.response_metadata.finish_reason).toBe("tool_calls");

      const toolMsg = await getWeather.invoke(call);
      expect(toolMsg).toBeInstanceOf(ToolMessage);
      expect(toolMsg.tool_call_id).toBe(call.id!);
      // Last message is a tool result: TEST_MODE answers with text.
      const final = await model.invoke([question, ai, toolMsg]);
      expect(final.tool_calls ?? []).toEqual([]);
      expect(final.content).toBe(testModeAnswer("Weather in Paris?"));
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "streamed tool call: .stream() chunks concatenate into one get_weather call",
    async () => {
      const { full } = await collect(await chat(gw()).bindTools([getWeather]).stream("Weather in Oslo?"));
      expect(full.tool_calls).toHaveLength(1);
      expect(full.tool_calls![0]!.name).toBe("get_weather");
      expect(weatherInput.safeParse(full.tool_calls![0]!.args).success).toBe(true);
      expect(full.invalid_tool_calls ?? []).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});

describe("LangChain — real path via fake OCI", () => {
  const gw = () => env.real;
  beforeEach(() => env.fake.clear());

  test(
    "invoke",
    async () => {
      const r = await chat(gw()).invoke([new HumanMessage("What is OCI?")]);
      expect(r.content).toBe(echoAnswer("What is OCI?"));
      expect(r.response_metadata.finish_reason).toBe("stop");
      expect(r.usage_metadata?.total_tokens).toBeGreaterThan(0);
      const [req] = signedChatRequests(env.fake);
      expect(req!.apiFormat).toBe("GENERIC");
    },
    TEST_TIMEOUT_MS,
  );

  test(
    ".stream() yields several chunks that add up to the answer",
    async () => {
      const { chunks, full } = await collect(await chat(gw()).stream("Tell me a story about clouds"));
      const texts = chunks.map(textOf).filter((t) => t !== "");
      expect(texts.join("")).toBe(echoAnswer("Tell me a story about clouds"));
      expect(texts.length).toBeGreaterThan(2);
      expect(full.response_metadata.finish_reason).toBe("stop");
      expect(full.usage_metadata?.output_tokens).toBeGreaterThan(0);
      const [req] = signedChatRequests(env.fake);
      expect(req!.isStream).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "tool call round trip: OCI's tool call reaches LangChain, the ToolMessage goes back to OCI",
    async () => {
      env.fake.script("chat", {
        json: genericToolCallJson({ id: "call_oci_1", name: "get_weather", arguments: '{"city":"Paris"}' }),
      });
      const model = chat(gw()).bindTools([getWeather]);
      const question = new HumanMessage("Weather in Paris?");
      const ai = await model.invoke([question]);
      expect(ai.tool_calls).toEqual([
        expect.objectContaining({ name: "get_weather", id: "call_oci_1", args: { city: "Paris" } }),
      ]);
      expect(ai.response_metadata.finish_reason).toBe("tool_calls");

      const toolMsg = await getWeather.invoke(ai.tool_calls![0]!);
      const final = await model.invoke([question, new AIMessage(ai), toolMsg]);
      expect(final.content).toBe(echoAnswer("Weather in Paris?"));

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
      const last = msgs[msgs.length - 1]!;
      expect(last.role).toBe("TOOL");
      expect(last.toolCallId).toBe("call_oci_1");
      expect(JSON.stringify(last.content)).toContain("sunny");
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "streamed tool call: OCI's fragmented tool-call stream concatenates into one get_weather call",
    async () => {
      env.fake.script("chat", { chunksFile: "generic-tool-call.chunks.txt", gapMs: 2 });
      const { full } = await collect(await chat(gw()).bindTools([getWeather]).stream("Weather in Paris?"));
      expect(full.invalid_tool_calls ?? []).toEqual([]);
      expect(full.tool_calls).toEqual([
        expect.objectContaining({
          name: FIXTURE_TOOL_CALL.name,
          id: FIXTURE_TOOL_CALL.id,
          args: FIXTURE_TOOL_CALL.args,
        }),
      ]);
      expect(full.response_metadata.finish_reason).toBe("tool_calls");

      const [req] = signedChatRequests(env.fake);
      expect(req!.isStream).toBe(true);
      expectFlatWeatherTool(req!);
    },
    TEST_TIMEOUT_MS,
  );
});
