/** TEST_MODE's simulated model and mock transport (CONTRACT §8; src/mock/simulate.ts, src/mock/mock-transport.ts). */
import { describe, expect, test } from "bun:test";
import { toCohereParameterDefinitions } from "../../src/chat/formats/cohere-parameter-definitions";
import { convertToGenericChatRequest } from "../../src/chat/formats/convert-to-generic-chat-request";
import { GenericStreamMapper } from "../../src/chat/formats/generic-stream-mapper";
import { mapGenericChatResponse } from "../../src/chat/formats/map-generic-chat-response";
import type { ModelAlias } from "../../src/config/types";
import type { ChatCompletionRequest } from "../../src/families/openai/schemas";
import type { WithoutNulls } from "../../src/lib/without-nulls";
import { createMockTransport } from "../../src/mock/mock-transport";
import { simulateChat } from "../../src/mock/simulate";
import { describeModel } from "../../src/oci/model-target";
import type { ChatDetails } from "../../src/oci/wire";
import { COHERE_JOKE_REQUEST } from "../support/cohere-joke-request";
import { schemaErrors } from "./schema-check";

const COMP = "ocid1.compartment.oc1..aaaa";
const ALIAS: ModelAlias = {
  alias: "llama",
  id: "meta.llama-3.3-70b-instruct",
  type: "model",
  region: "us-chicago-1",
  compartmentId: COMP,
  params: {},
};
const TARGET = describeModel(ALIAS);

/** GENERIC details exactly as the service builds them. */
function generic(req: Partial<ChatCompletionRequest>, stream = false): ChatDetails {
  const full = { messages: [{ role: "user", content: "hi" }], ...req } as WithoutNulls<ChatCompletionRequest>;
  return {
    compartmentId: COMP,
    servingMode: TARGET.servingMode,
    chatRequest: convertToGenericChatRequest(full, TARGET, {}, stream),
  };
}
const raw = (chatRequest: Record<string, unknown>, modelId = "cohere.command-a-03-2025"): ChatDetails =>
  ({ compartmentId: COMP, servingMode: { servingType: "ON_DEMAND", modelId }, chatRequest }) as unknown as ChatDetails;

const weatherSchema = {
  type: "object",
  properties: {
    city: { type: "string" },
    unit: { type: "string", enum: ["celsius", "fahrenheit"] },
    days: { type: "integer", minimum: 1 },
  },
  required: ["city", "unit"],
};
const weather = {
  type: "function" as const,
  function: { name: "get_weather", description: "w", parameters: weatherSchema },
};
const clock = {
  type: "function" as const,
  function: {
    name: "get_time",
    parameters: { type: "object", properties: { tz: { type: "string", enum: ["UTC"] } }, required: ["tz"] },
  },
};

describe("simulateChat: GENERIC text", () => {
  test("answers with the last user text", () => {
    const a = simulateChat(generic({ messages: [{ role: "user", content: "What is 2+2?" }] }));
    expect(a.text).toBe("[TEST_MODE] Simulated response to: What is 2+2?");
    expect(a.toolCalls).toEqual([]);
    expect(a.finishReason).toBe("stop");
    expect(a.completionTokens).toBeGreaterThan(0);
    expect(a.promptTokens).toBeGreaterThan(0);
  });

  test("the last user message is used, not the first or the system prompt", () => {
    const a = simulateChat(
      generic({
        messages: [
          { role: "system", content: "be brief" },
          { role: "user", content: "first question" },
          { role: "assistant", content: "first answer" },
          { role: "user", content: "second question" },
        ],
      }),
    );
    expect(a.text).toBe("[TEST_MODE] Simulated response to: second question");
  });

  test("only the text parts of a multimodal user message", () => {
    const a = simulateChat(
      generic({
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "Describe this" },
              { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
              { type: "text", text: "please" },
            ],
          },
        ],
      }),
    );
    expect(a.text).toBe("[TEST_MODE] Simulated response to: Describe this please");
  });

  test("deterministic: the same request gives the same answer", () => {
    const d = generic({ messages: [{ role: "user", content: "same" }], tools: [weather] });
    expect(simulateChat(d)).toEqual(simulateChat(d));
    const t = generic({ messages: [{ role: "user", content: "same" }] });
    expect(simulateChat(t)).toEqual(simulateChat(t));
  });

  test("more words in the prompt count more prompt tokens", () => {
    const short = simulateChat(generic({ messages: [{ role: "user", content: "a" }] }));
    const long = simulateChat(generic({ messages: [{ role: "user", content: "a b c d e f g h" }] }));
    expect(long.promptTokens).toBeGreaterThan(short.promptTokens);
  });

  test("a token limit shorter than the answer truncates it with finish length", () => {
    const a = simulateChat(generic({ messages: [{ role: "user", content: "tell me a long story" }], max_tokens: 3 }));
    expect(a.finishReason).toBe("length");
    expect(a.completionTokens).toBe(3);
    expect("[TEST_MODE] Simulated response to: tell me a long story".startsWith(a.text)).toBe(true);
    expect(a.text.length).toBeLessThan("[TEST_MODE] Simulated response to: tell me a long story".length);
  });
});

describe("simulateChat: GENERIC tools", () => {
  test("tools given and no tool_choice → a tool call whose arguments satisfy the schema", () => {
    const a = simulateChat(generic({ messages: [{ role: "user", content: "weather in Paris?" }], tools: [weather] }));
    expect(a.finishReason).toBe("tool_calls");
    expect(a.text).toBe("");
    expect(a.toolCalls).toHaveLength(1);
    const call = a.toolCalls[0]!;
    expect(call.name).toBe("get_weather");
    expect(call.id).toBeTruthy();
    const args = JSON.parse(call.arguments);
    expect(schemaErrors(weatherSchema, args)).toEqual([]);
  });

  test.each(["auto", "required"] as const)("tool_choice %p → tool call", (choice) => {
    const a = simulateChat(generic({ tools: [weather], tool_choice: choice }));
    expect(a.toolCalls.map((c) => c.name)).toEqual(["get_weather"]);
  });

  test("tool_choice naming a function calls that one", () => {
    const a = simulateChat(
      generic({ tools: [weather, clock], tool_choice: { type: "function", function: { name: "get_time" } } }),
    );
    expect(a.toolCalls.map((c) => c.name)).toEqual(["get_time"]);
    expect(JSON.parse(a.toolCalls[0]!.arguments)).toEqual({ tz: "UTC" });
  });

  test("tool_choice none → plain text", () => {
    const a = simulateChat(
      generic({ messages: [{ role: "user", content: "hello" }], tools: [weather], tool_choice: "none" }),
    );
    expect(a.toolCalls).toEqual([]);
    expect(a.text).toBe("[TEST_MODE] Simulated response to: hello");
    expect(a.finishReason).toBe("stop");
  });

  test("after a tool result the model answers in text (no endless tool loop)", () => {
    const a = simulateChat(
      generic({
        messages: [
          { role: "user", content: "weather?" },
          {
            role: "assistant",
            tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" } }],
          },
          { role: "tool", tool_call_id: "call_1", content: "sunny" },
        ],
        tools: [weather],
      }),
    );
    expect(a.toolCalls).toEqual([]);
    expect(a.finishReason).toBe("stop");
    expect(a.text).toBe("[TEST_MODE] Simulated response to: weather?");
  });

  test("a tool without parameters gets {} as arguments", () => {
    const a = simulateChat(generic({ tools: [{ type: "function", function: { name: "ping" } }] }));
    expect(JSON.parse(a.toolCalls[0]!.arguments)).toEqual({});
  });
});

describe("simulateChat: response_format", () => {
  const schema = {
    type: "object",
    properties: {
      title: { type: "string" },
      year: { type: "integer", minimum: 1900 },
      genres: { type: "array", items: { type: "string", enum: ["drama", "comedy"] } },
      rating: { type: ["number", "null"] },
    },
    required: ["title", "year", "genres", "rating"],
    additionalProperties: false,
  };

  test("json_schema → JSON text that satisfies the schema", () => {
    const a = simulateChat(
      generic({ response_format: { type: "json_schema", json_schema: { name: "movie", schema, strict: true } } }),
    );
    expect(a.finishReason).toBe("stop");
    expect(a.toolCalls).toEqual([]);
    const parsed = JSON.parse(a.text);
    expect(schemaErrors(schema, parsed)).toEqual([]);
  });

  test("json_schema answers are not cut by a small token limit (the JSON must stay valid)", () => {
    const a = simulateChat(
      generic({ max_tokens: 1, response_format: { type: "json_schema", json_schema: { name: "movie", schema } } }),
    );
    expect(schemaErrors(schema, JSON.parse(a.text))).toEqual([]);
  });

  test("json_object → a JSON object", () => {
    const a = simulateChat(
      generic({ messages: [{ role: "user", content: "give json" }], response_format: { type: "json_object" } }),
    );
    const parsed = JSON.parse(a.text);
    expect(typeof parsed).toBe("object");
    expect(Array.isArray(parsed)).toBe(false);
    expect(JSON.stringify(parsed)).toContain("give json");
  });

  test("text → plain text", () => {
    const a = simulateChat(generic({ messages: [{ role: "user", content: "x" }], response_format: { type: "text" } }));
    expect(a.text).toBe("[TEST_MODE] Simulated response to: x");
  });
});

describe("simulateChat: COHERE and COHEREV2 requests", () => {
  test("COHERE: the current message is the last user text", () => {
    const a = simulateChat(raw(COHERE_JOKE_REQUEST));
    expect(a.text).toBe("[TEST_MODE] Simulated response to: Tell me a joke");
    expect(a.finishReason).toBe("stop");
    expect(a.promptTokens).toBeGreaterThanOrEqual(3);
  });

  test("COHERE tools (parameterDefinitions) → a tool call with typed arguments", () => {
    const a = simulateChat(
      raw({
        apiFormat: "COHERE",
        message: "weather in Munich?",
        tools: [
          {
            name: "getWeather",
            description: "d",
            parameterDefinitions: {
              city: { type: "str", description: "c", isRequired: true },
              days: { type: "int", isRequired: false },
              metric: { type: "bool" },
            },
          },
        ],
      }),
    );
    expect(a.finishReason).toBe("tool_calls");
    expect(a.toolCalls).toHaveLength(1);
    expect(a.toolCalls[0]!.name).toBe("getWeather");
    const args = JSON.parse(a.toolCalls[0]!.arguments);
    expect(typeof args.city).toBe("string");
    expect(Number.isInteger(args.days)).toBe(true);
    expect(typeof args.metric).toBe("boolean");
  });

  test("COHERE with toolResults answers in text", () => {
    const a = simulateChat(
      raw({
        apiFormat: "COHERE",
        message: "weather in Munich?",
        tools: [{ name: "getWeather", parameterDefinitions: { city: { type: "str" } } }],
        toolResults: [{ call: { name: "getWeather", parameters: { city: "Munich" } }, outputs: [{ temp: 20 }] }],
      }),
    );
    expect(a.toolCalls).toEqual([]);
    expect(a.text).toBe("[TEST_MODE] Simulated response to: weather in Munich?");
  });

  test("COHERE after tool results (an empty message) echoes what the user last said in the history", () => {
    const a = simulateChat(
      raw({
        apiFormat: "COHERE",
        message: "",
        chatHistory: [
          { role: "USER", message: "weather in Munich?" },
          { role: "CHATBOT", message: "", toolCalls: [{ name: "getWeather", parameters: { city: "Munich" } }] },
        ],
        tools: [{ name: "getWeather", parameterDefinitions: { city: { type: "str" } } }],
        toolResults: [{ call: { name: "getWeather", parameters: { city: "Munich" } }, outputs: [{ temp: 20 }] }],
      }),
    );
    expect(a.text).toBe("[TEST_MODE] Simulated response to: weather in Munich?");
  });

  test("COHERE tools as the gateway writes them (Dict, List[str], enums and schemas in descriptions) → arguments fitting the client's schema", () => {
    const schema = {
      type: "object",
      properties: {
        tags: { type: "array", items: { type: "string" } },
        ids: { type: "array", items: { type: "integer" } },
        meta: { type: "object" },
        opts: { type: "object", properties: { deep: { type: "boolean" } }, required: ["deep"] },
        rows: { type: "array", items: { type: "object", properties: { n: { type: "number" } }, required: ["n"] } },
        unit: { type: "string", enum: ["c.f", "kelvin"], description: "The unit." },
        size: { type: "integer", enum: [3, 5] },
      },
      required: ["tags", "ids", "meta", "opts", "rows", "unit", "size"],
    };
    const a = simulateChat(
      raw({
        apiFormat: "COHERE",
        message: "q",
        tools: [{ name: "t", description: "d", parameterDefinitions: toCohereParameterDefinitions(schema) }],
      }),
    );
    const args = JSON.parse(a.toolCalls[0]!.arguments);
    expect(schemaErrors(schema, args)).toEqual([]);
    expect(args).toMatchObject({ tags: ["example"], ids: [1], meta: {}, opts: { deep: true }, unit: "c.f", size: 3 });
  });

  test("COHERE JSON_OBJECT with a schema → JSON satisfying it", () => {
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    const a = simulateChat(raw({ apiFormat: "COHERE", message: "q", responseFormat: { type: "JSON_OBJECT", schema } }));
    expect(schemaErrors(schema, JSON.parse(a.text))).toEqual([]);
  });

  test("COHEREV2: messages, nested function tools, toolsChoice NONE", () => {
    const base = {
      apiFormat: "COHEREV2",
      messages: [
        { role: "SYSTEM", content: [{ type: "TEXT", text: "sys" }] },
        {
          role: "USER",
          content: [
            { type: "TEXT", text: "what's in the image?" },
            { type: "IMAGE_URL", imageUrl: { url: "data:image/png;base64,AA" } },
          ],
        },
      ],
    };
    const text = simulateChat(raw(base, "cohere.command-a-vision-07-2025"));
    expect(text.text).toBe("[TEST_MODE] Simulated response to: what's in the image?");
    const tools = [
      {
        type: "FUNCTION",
        function: {
          name: "lookup",
          description: "d",
          parameters: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
        },
      },
    ];
    const called = simulateChat(raw({ ...base, tools }, "cohere.command-a-vision-07-2025"));
    expect(called.toolCalls.map((c) => c.name)).toEqual(["lookup"]);
    expect(JSON.parse(called.toolCalls[0]!.arguments)).toEqual({ q: "example" });
    const none = simulateChat(raw({ ...base, tools, toolsChoice: "NONE" }, "cohere.command-a-vision-07-2025"));
    expect(none.toolCalls).toEqual([]);
  });
});

describe("mock transport: OCI wire shapes", () => {
  const opts = () => ({ signal: new AbortController().signal, requestId: "req-1" });
  const where = { region: "us-chicago-1" };

  test("GENERIC chat answers a GENERIC ChatResult that the real mapper reads", async () => {
    const t = createMockTransport();
    expect(t.kind).toBe("mock");
    const reply = await t.chat(where, generic({ messages: [{ role: "user", content: "ping" }] }), opts());
    expect(reply.opcRequestId).toBeTruthy();
    const body = reply.body as {
      modelId: string;
      chatResponse: {
        apiFormat: string;
        usage: { totalTokens: number; promptTokens: number; completionTokens: number };
      };
    };
    expect(body.modelId).toBe("meta.llama-3.3-70b-instruct");
    expect(body.chatResponse.apiFormat).toBe("GENERIC");
    expect(body.chatResponse.usage.totalTokens).toBe(
      body.chatResponse.usage.promptTokens + body.chatResponse.usage.completionTokens,
    );
    const out = mapGenericChatResponse(reply.body);
    expect(out.choices[0]!.text).toBe("[TEST_MODE] Simulated response to: ping");
    expect(out.choices[0]!.finishReason).toBe("stop");
    expect(out.usage!.totalTokens).toBe(body.chatResponse.usage.totalTokens);
  });

  test("GENERIC tool call maps to the core's tool calls", async () => {
    const reply = await createMockTransport().chat(where, generic({ tools: [weather] }), opts());
    const out = mapGenericChatResponse(reply.body);
    const c = out.choices[0]!;
    expect(c.finishReason).toBe("tool_calls");
    expect(c.toolCalls[0]!.id).toBeTruthy();
    expect(c.toolCalls[0]!.name).toBe("get_weather");
    expect(schemaErrors(weatherSchema, JSON.parse(c.toolCalls[0]!.arguments))).toEqual([]);
  });

  test("COHERE chat answers CohereChatResponse (text, COMPLETE, usage; toolCalls with parameters objects)", async () => {
    const t = createMockTransport();
    const text = (await t.chat(where, raw({ apiFormat: "COHERE", message: "Tell me a joke" }), opts())).body as Record<
      string,
      any
    >;
    expect(text.chatResponse).toMatchObject({
      apiFormat: "COHERE",
      text: "[TEST_MODE] Simulated response to: Tell me a joke",
      finishReason: "COMPLETE",
      usage: {
        promptTokens: expect.any(Number),
        completionTokens: expect.any(Number),
        totalTokens: expect.any(Number),
      },
    });
    const tool = (
      await t.chat(
        where,
        raw({
          apiFormat: "COHERE",
          message: "w",
          tools: [{ name: "getWeather", parameterDefinitions: { city: { type: "str" } } }],
        }),
        opts(),
      )
    ).body as Record<string, any>;
    expect(tool.chatResponse.toolCalls).toEqual([{ name: "getWeather", parameters: { city: "example" } }]);
  });

  test("COHEREV2 chat answers a message with content and nested function tool calls", async () => {
    const t = createMockTransport();
    const d = raw({
      apiFormat: "COHEREV2",
      messages: [{ role: "USER", content: [{ type: "TEXT", text: "hi" }] }],
      tools: [
        {
          type: "FUNCTION",
          function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } },
        },
      ],
    });
    const body = (await t.chat(where, d, opts())).body as Record<string, any>;
    expect(body.chatResponse.apiFormat).toBe("COHEREV2");
    expect(body.chatResponse.finishReason).toBe("TOOL_CALL");
    expect(body.chatResponse.message.toolCalls).toEqual([
      { id: expect.any(String), type: "FUNCTION", function: { name: "lookup", arguments: '{"q":"example"}' } },
    ]);
  });

  test("GENERIC stream: OCI-shaped events with pad, several content deltas, usage when asked", async () => {
    const t = createMockTransport();
    const s = await t.chatStream(
      where,
      generic({ messages: [{ role: "user", content: "stream this answer please" }] }, true),
      opts(),
    );
    const evs: Array<Record<string, unknown>> = [];
    for await (const e of s.events) evs.push(e as Record<string, unknown>);
    for (const e of evs) expect(typeof e.pad).toBe("string");
    const finish = evs.findIndex((e) => e.finishReason !== undefined);
    expect(finish).toBeGreaterThan(0);
    expect(evs[finish]!.index).toBeUndefined();
    expect(evs.at(-1)!.usage).toBeDefined();

    const m = new GenericStreamMapper("x");
    const out = [...evs.flatMap((e) => m.push(e)), ...m.end()];
    const contents = out.flatMap((e) => (e.type === "text" ? [e.text] : []));
    expect(contents.length).toBeGreaterThan(1);
    expect(contents.join("")).toBe("[TEST_MODE] Simulated response to: stream this answer please");
    expect(out.filter((e) => e.type === "finish")).toEqual([{ type: "finish", choice: 0, reason: "stop" }]);
    expect(out.at(-1)!.type).toBe("usage");
  });

  test("COHERE stream: deltas, then a final event repeating the full text with finishReason", async () => {
    const t = createMockTransport();
    const s = await t.chatStream(where, raw({ apiFormat: "COHERE", message: "a joke please", isStream: true }), opts());
    const evs: Array<Record<string, any>> = [];
    for await (const e of s.events) evs.push(e as Record<string, any>);
    const last = evs.at(-1)!;
    expect(last.finishReason).toBe("COMPLETE");
    expect(last.text).toBe("[TEST_MODE] Simulated response to: a joke please");
    const deltas = evs.slice(0, -1).map((e) => e.text as string);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(last.text);
    for (const e of evs) expect(e.apiFormat).toBe("COHERE");
  });
});

describe("simulateChat: media, web search, service tier", () => {
  const opts = () => ({ signal: new AbortController().signal, requestId: "req-1" });
  const where = { region: "us-chicago-1" };

  test("a document and audio in the last user turn are acknowledged with type and size", () => {
    const pdf = `data:application/pdf;base64,${"A".repeat(4096)}`;
    const a = simulateChat(
      generic({
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "Summarize" },
              { type: "file", file: { file_data: pdf } },
              { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
            ],
          },
        ],
      }),
    );
    expect(a.text).toBe(
      "[TEST_MODE] Simulated response to: Summarize (received document application/pdf 3.0 KB, audio audio/wav 0.0 KB)",
    );
  });

  test("images alone read as they always did", () => {
    const a = simulateChat(
      generic({
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "what is this" },
              { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
            ],
          },
        ],
      }),
    );
    expect(a.text).toBe("[TEST_MODE] Simulated response to: what is this");
  });

  test("web search is mentioned with its context size", () => {
    expect(simulateChat(generic({ web_search_options: { search_context_size: "low" } })).text).toBe(
      "[TEST_MODE] Simulated response to: hi (searched the web, low context)",
    );
  });

  test("the service tier asked for is echoed beside the choices, auto as the default tier; none → no field", async () => {
    const t = createMockTransport();
    const body = async (tier?: string) =>
      (
        (await t.chat(where, generic(tier ? { service_tier: tier } : {}), opts())).body as {
          chatResponse: Record<string, unknown>;
        }
      ).chatResponse;
    expect((await body("priority")).serviceTier).toBe("PRIORITY");
    expect((await body("auto")).serviceTier).toBe("DEFAULT");
    expect(await body()).not.toHaveProperty("serviceTier");
    const reply = await t.chat(where, generic({ service_tier: "priority" }), opts());
    expect(mapGenericChatResponse(reply.body).serviceTier).toBe("priority");
  });
});
