/** OpenAI chat request → OCI COHERE body (CONTRACT §4, OCI-WIRE §2.4; src/openai/convert-to-cohere-chat-request.ts). */
import { describe, expect, test } from "bun:test";
import { convertToCohereChatRequest, toolOutputs } from "../../src/chat/formats/convert-to-cohere-chat-request";
import type { AliasParams } from "../../src/config/types";
import type { ChatCompletionRequest } from "../../src/families/openai/schemas";
import type { WithoutNulls } from "../../src/lib/without-nulls";
import { apiError } from "../support/throws";

/** The body exactly as it goes on the wire (undefined members vanish in JSON). */
function wire(req: Partial<ChatCompletionRequest>, opts: { defaults?: AliasParams; stream?: boolean } = {}): any {
  const full = { messages: [{ role: "user", content: "hi" }], ...req } as WithoutNulls<ChatCompletionRequest>;
  return JSON.parse(JSON.stringify(convertToCohereChatRequest(full, opts.defaults ?? {}, opts.stream ?? false)));
}

const msgs = (m: unknown[]) => m as ChatCompletionRequest["messages"];
const WEATHER_CALL = {
  id: "call_w1",
  type: "function" as const,
  function: { name: "get_weather", arguments: '{"city":"Paris"}' },
};
const TIME_CALL = {
  id: "call_t1",
  type: "function" as const,
  function: { name: "get_time", arguments: '{"tz":"CET"}' },
};

describe("minimal request", () => {
  test("exact body: the only user turn is `message`, default maxTokens 2048", () => {
    expect(wire({})).toEqual({ apiFormat: "COHERE", message: "hi", maxTokens: 2048, isStream: false });
  });

  test("streaming sets isStream and asks OCI for usage", () => {
    expect(wire({}, { stream: true })).toEqual({
      apiFormat: "COHERE",
      message: "hi",
      maxTokens: 2048,
      isStream: true,
      streamOptions: { isIncludeUsage: true },
    });
  });

  test("unknown or OpenAI-only fields are never forwarded", () => {
    const body = wire({
      model: "a",
      user: "u1",
      stream: false,
      n: 1,
      logprobs: false,
      foo: "bar",
    } as Partial<ChatCompletionRequest>);
    expect(Object.keys(body).sort()).toEqual(["apiFormat", "isStream", "maxTokens", "message"]);
  });

  test("text parts of the user turn are joined with newlines", () => {
    const body = wire({
      messages: msgs([
        {
          role: "user",
          content: [
            { type: "text", text: "a" },
            { type: "text", text: "b" },
          ],
        },
      ]),
    });
    expect(body.message).toBe("a\nb");
  });
});

describe("conversation split", () => {
  test("system + user + assistant(tool_calls) + tool + user: full body", () => {
    const body = wire({
      messages: msgs([
        { role: "system", content: "You are terse." },
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: null, tool_calls: [WEATHER_CALL] },
        { role: "tool", tool_call_id: "call_w1", content: '{"temp":20}' },
        { role: "assistant", content: "It is 20 degrees." },
        { role: "user", content: "Thanks! And tomorrow?" },
      ]),
    });
    expect(body).toEqual({
      apiFormat: "COHERE",
      message: "Thanks! And tomorrow?",
      maxTokens: 2048,
      isStream: false,
      preambleOverride: "You are terse.",
      chatHistory: [
        { role: "USER", message: "Weather in Paris?" },
        { role: "CHATBOT", message: "", toolCalls: [{ name: "get_weather", parameters: { city: "Paris" } }] },
        {
          role: "TOOL",
          toolResults: [{ call: { name: "get_weather", parameters: { city: "Paris" } }, outputs: [{ temp: 20 }] }],
        },
        { role: "CHATBOT", message: "It is 20 degrees." },
      ],
    });
  });

  test("several leading system/developer messages are joined into the preamble", () => {
    const body = wire({
      messages: msgs([
        { role: "system", content: "one" },
        { role: "developer", content: [{ type: "text", text: "two" }] },
        { role: "user", content: "hi" },
      ]),
    });
    expect(body.preambleOverride).toBe("one\n\ntwo");
    expect(body).not.toHaveProperty("chatHistory");
  });

  test("system messages in the middle and at the end join the preamble; the latest user turn stays the message", () => {
    const body = wire({
      messages: msgs([
        { role: "user", content: "a" },
        { role: "assistant", content: "b" },
        { role: "system", content: "be formal now" },
        { role: "user", content: "c" },
        { role: "developer", content: "and brief" },
      ]),
    });
    expect(body.preambleOverride).toBe("be formal now\n\nand brief");
    expect(body.chatHistory).toEqual([
      { role: "USER", message: "a" },
      { role: "CHATBOT", message: "b" },
    ]);
    expect(body.message).toBe("c");
  });

  test('trailing tool results → toolResults and message "", the CHATBOT tool-call turn stays in history', () => {
    const body = wire({
      messages: msgs([
        { role: "system", content: "sys" },
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: "Let me check.", tool_calls: [WEATHER_CALL] },
        { role: "tool", tool_call_id: "call_w1", content: '{"temp":20}' },
      ]),
    });
    expect(body).toEqual({
      apiFormat: "COHERE",
      message: "",
      maxTokens: 2048,
      isStream: false,
      preambleOverride: "sys",
      chatHistory: [
        { role: "USER", message: "Weather in Paris?" },
        {
          role: "CHATBOT",
          message: "Let me check.",
          toolCalls: [{ name: "get_weather", parameters: { city: "Paris" } }],
        },
      ],
      toolResults: [{ call: { name: "get_weather", parameters: { city: "Paris" } }, outputs: [{ temp: 20 }] }],
    });
  });

  test("several consecutive trailing tool messages are merged, each with the call it answers", () => {
    const body = wire({
      messages: msgs([
        { role: "user", content: "Weather and time in Paris?" },
        { role: "assistant", content: null, tool_calls: [WEATHER_CALL, TIME_CALL] },
        // Answered out of order: each result is matched by id, not position.
        { role: "tool", tool_call_id: "call_t1", content: "12:00" },
        { role: "tool", tool_call_id: "call_w1", content: '{"temp":20}' },
      ]),
    });
    expect(body.message).toBe("");
    expect(body.chatHistory).toEqual([
      { role: "USER", message: "Weather and time in Paris?" },
      {
        role: "CHATBOT",
        message: "",
        toolCalls: [
          { name: "get_weather", parameters: { city: "Paris" } },
          { name: "get_time", parameters: { tz: "CET" } },
        ],
      },
    ]);
    expect(body.toolResults).toEqual([
      { call: { name: "get_time", parameters: { tz: "CET" } }, outputs: [{ result: "12:00" }] },
      { call: { name: "get_weather", parameters: { city: "Paris" } }, outputs: [{ temp: 20 }] },
    ]);
  });

  test("consecutive tool messages in the middle of the conversation merge into one TOOL turn", () => {
    const body = wire({
      messages: msgs([
        { role: "user", content: "q" },
        { role: "assistant", content: null, tool_calls: [WEATHER_CALL, TIME_CALL] },
        { role: "tool", tool_call_id: "call_w1", content: '{"temp":20}' },
        { role: "tool", tool_call_id: "call_t1", content: '[{"h":12},{"m":0}]' },
        { role: "assistant", content: "20 degrees at noon" },
        { role: "user", content: "ok" },
      ]),
    });
    expect(body.chatHistory).toEqual([
      { role: "USER", message: "q" },
      {
        role: "CHATBOT",
        message: "",
        toolCalls: [
          { name: "get_weather", parameters: { city: "Paris" } },
          { name: "get_time", parameters: { tz: "CET" } },
        ],
      },
      {
        role: "TOOL",
        toolResults: [
          { call: { name: "get_weather", parameters: { city: "Paris" } }, outputs: [{ temp: 20 }] },
          { call: { name: "get_time", parameters: { tz: "CET" } }, outputs: [{ h: 12 }, { m: 0 }] },
        ],
      },
      { role: "CHATBOT", message: "20 degrees at noon" },
    ]);
    expect(body).not.toHaveProperty("toolResults");
    expect(body.message).toBe("ok");
  });

  test("two tool rounds: the earlier round is history, only the last round is toolResults", () => {
    const body = wire({
      messages: msgs([
        { role: "user", content: "q" },
        { role: "assistant", content: null, tool_calls: [WEATHER_CALL] },
        { role: "tool", tool_call_id: "call_w1", content: "sunny" },
        { role: "assistant", content: null, tool_calls: [TIME_CALL] },
        { role: "tool", tool_call_id: "call_t1", content: "noon" },
      ]),
    });
    expect(body.chatHistory).toEqual([
      { role: "USER", message: "q" },
      { role: "CHATBOT", message: "", toolCalls: [{ name: "get_weather", parameters: { city: "Paris" } }] },
      {
        role: "TOOL",
        toolResults: [{ call: { name: "get_weather", parameters: { city: "Paris" } }, outputs: [{ result: "sunny" }] }],
      },
      { role: "CHATBOT", message: "", toolCalls: [{ name: "get_time", parameters: { tz: "CET" } }] },
    ]);
    expect(body.toolResults).toEqual([
      { call: { name: "get_time", parameters: { tz: "CET" } }, outputs: [{ result: "noon" }] },
    ]);
    expect(body.message).toBe("");
  });

  test("empty tool-call arguments become empty parameters", () => {
    const body = wire({
      messages: msgs([
        { role: "user", content: "q" },
        { role: "assistant", content: null, tool_calls: [{ id: "c0", function: { name: "now", arguments: "" } }] },
        { role: "tool", tool_call_id: "c0", content: "noon" },
      ]),
    });
    expect(body.chatHistory[1]).toEqual({ role: "CHATBOT", message: "", toolCalls: [{ name: "now", parameters: {} }] });
    expect(body.toolResults).toEqual([{ call: { name: "now", parameters: {} }, outputs: [{ result: "noon" }] }]);
  });
});

describe("conversation errors (400 naming the param)", () => {
  test("a tool message whose tool_call_id answers no call → 400 naming messages[i].tool_call_id", () => {
    const e = apiError(() =>
      wire({
        messages: msgs([
          { role: "user", content: "q" },
          { role: "assistant", content: null, tool_calls: [WEATHER_CALL] },
          { role: "tool", tool_call_id: "call_w1", content: "ok" },
          { role: "tool", tool_call_id: "call_nope", content: "x" },
        ]),
      }),
    );
    expect(e.status).toBe(400);
    expect(e.type).toBe("invalid_request_error");
    expect(e.param).toBe("messages[3].tool_call_id");
    expect(e.message).toContain("call_nope");
  });

  test("an unanswerable tool message in the middle of the conversation → 400 naming it", () => {
    const e = apiError(() =>
      wire({
        messages: msgs([
          { role: "user", content: "q" },
          { role: "tool", tool_call_id: "ghost", content: "x" },
          { role: "user", content: "q2" },
        ]),
      }),
    );
    expect(e.status).toBe(400);
    expect(e.param).toBe("messages[1].tool_call_id");
  });

  test("a tool message without tool_call_id → 400 naming messages[i].tool_call_id", () => {
    const e = apiError(() =>
      wire({
        messages: msgs([
          { role: "user", content: "q" },
          { role: "assistant", content: null, tool_calls: [WEATHER_CALL] },
          { role: "tool", content: "x" },
        ]),
      }),
    );
    expect(e.status).toBe(400);
    expect(e.param).toBe("messages[2].tool_call_id");
  });

  test("an image part in the user turn → 400 naming the part", () => {
    const e = apiError(() =>
      wire({
        messages: msgs([
          {
            role: "user",
            content: [
              { type: "text", text: "what is it?" },
              { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
            ],
          },
        ]),
      }),
    );
    expect(e.status).toBe(400);
    expect(e.type).toBe("invalid_request_error");
    expect(e.param).toBe("messages[0].content[1]");
  });

  test("an image part in a history turn or the system message → 400 naming that part", () => {
    const img = { type: "image_url", image_url: { url: "https://example.com/a.png" } };
    expect(
      apiError(() =>
        wire({
          messages: msgs([
            { role: "user", content: [img] },
            { role: "assistant", content: "a" },
            { role: "user", content: "b" },
          ]),
        }),
      ).param,
    ).toBe("messages[0].content[0]");
    expect(
      apiError(() =>
        wire({
          messages: msgs([
            { role: "system", content: [{ type: "text", text: "s" }, img] },
            { role: "user", content: "b" },
          ]),
        }),
      ).param,
    ).toBe("messages[0].content[1]");
  });

  test("an image part in a tool result → 400 naming the part", () => {
    const e = apiError(() =>
      wire({
        messages: msgs([
          { role: "user", content: "q" },
          { role: "assistant", content: null, tool_calls: [WEATHER_CALL] },
          {
            role: "tool",
            tool_call_id: "call_w1",
            content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }],
          },
        ]),
      }),
    );
    expect(e.param).toBe("messages[2].content[0]");
  });

  test("a conversation ending with an assistant message → 400", () => {
    const e = apiError(() =>
      wire({
        messages: msgs([
          { role: "user", content: "q" },
          { role: "assistant", content: "a" },
        ]),
      }),
    );
    expect(e.status).toBe(400);
    expect(e.type).toBe("invalid_request_error");
    expect(e.param).toBe("messages[1].role");
  });

  test("a conversation of only a system message → 400", () => {
    const e = apiError(() => wire({ messages: msgs([{ role: "system", content: "s" }]) }));
    expect(e.status).toBe(400);
    expect(e.param).toBe("messages[0].role");
  });

  test("tool-call arguments that are not JSON → 400 naming them", () => {
    const e = apiError(() =>
      wire({
        messages: msgs([
          { role: "user", content: "q" },
          {
            role: "assistant",
            content: null,
            tool_calls: [WEATHER_CALL, { id: "c2", function: { name: "f", arguments: "{not json" } }],
          },
          { role: "tool", tool_call_id: "c2", content: "x" },
        ]),
      }),
    );
    expect(e.status).toBe(400);
    expect(e.param).toBe("messages[1].tool_calls[1].function.arguments");
  });
});

describe("unsupported parameters → 400 with param and code unsupported_parameter", () => {
  const cases: Array<[string, Partial<ChatCompletionRequest>]> = [
    ["n", { n: 2 }],
    ["logprobs", { logprobs: true }],
    ["top_logprobs", { top_logprobs: 3 }],
    ["top_logprobs", { top_logprobs: 0 }],
    ["logit_bias", { logit_bias: { "50256": -100 } }],
    ["tool_choice", { tool_choice: "required" }],
    [
      "tool_choice",
      { tool_choice: "none", tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }] },
    ],
    ["tool_choice", { tool_choice: { type: "function", function: { name: "get_weather" } } }],
    ["parallel_tool_calls", { parallel_tool_calls: false }],
    ["reasoning_effort", { reasoning_effort: "high" }],
    ["verbosity", { verbosity: "low" }],
  ];
  for (const [param, req] of cases) {
    test(`${param}: ${JSON.stringify(req)}`, () => {
      const e = apiError(() => wire(req));
      expect(e.status).toBe(400);
      expect(e.type).toBe("invalid_request_error");
      expect(e.code).toBe("unsupported_parameter");
      expect(e.param).toBe(param);
      expect(e.message).toContain(param);
      expect(e.message).toContain("COHERE");
    });
  }

  test("the values COHERE can honour are accepted", () => {
    const body = wire({ n: 1, logprobs: false, tool_choice: "auto", parallel_tool_calls: true });
    expect(body).toEqual({ apiFormat: "COHERE", message: "hi", maxTokens: 2048, isStream: false });
  });

  test("tool_choice none with no tool offered asks nothing: accepted and left out", () => {
    expect(wire({ tool_choice: "none" })).toEqual({
      apiFormat: "COHERE",
      message: "hi",
      maxTokens: 2048,
      isStream: false,
    });
  });

  test("tool_choice auto with tools is accepted", () => {
    const body = wire({
      tool_choice: "auto",
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } }],
    });
    expect(body.tools).toEqual([{ name: "f", description: "f", parameterDefinitions: {} }]);
  });

  test("alias defaults for reasoning_effort/verbosity do not break COHERE requests", () => {
    expect(wire({}, { defaults: { reasoning_effort: "high", verbosity: "low" } })).toEqual({
      apiFormat: "COHERE",
      message: "hi",
      maxTokens: 2048,
      isStream: false,
    });
  });
});

describe("sampling parameters", () => {
  test("request values map to OCI names; stop string → stopSequences array", () => {
    const body = wire({
      temperature: 0.3,
      top_p: 0.8,
      top_k: 40,
      max_tokens: 100,
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
      seed: 42,
      stop: "END",
    });
    expect(body).toEqual({
      apiFormat: "COHERE",
      message: "hi",
      maxTokens: 100,
      isStream: false,
      temperature: 0.3,
      topP: 0.8,
      topK: 40,
      frequencyPenalty: 0.5,
      presencePenalty: -0.5,
      seed: 42,
      stopSequences: ["END"],
    });
  });

  test("stop array is passed as is; stop null is dropped", () => {
    expect(wire({ stop: ["a", "b"] }).stopSequences).toEqual(["a", "b"]);
    expect(wire({ stop: null } as Partial<ChatCompletionRequest>)).not.toHaveProperty("stopSequences");
  });

  test("max_completion_tokens wins over max_tokens", () => {
    expect(wire({ max_tokens: 100, max_completion_tokens: 300 }).maxTokens).toBe(300);
  });

  test("alias params are defaults, the request overrides them", () => {
    const defaults: AliasParams = {
      temperature: 0.1,
      top_p: 0.5,
      top_k: 10,
      max_tokens: 512,
      frequency_penalty: 0.2,
      presence_penalty: 0.3,
    };
    expect(wire({}, { defaults })).toEqual({
      apiFormat: "COHERE",
      message: "hi",
      maxTokens: 512,
      isStream: false,
      temperature: 0.1,
      topP: 0.5,
      topK: 10,
      frequencyPenalty: 0.2,
      presencePenalty: 0.3,
    });
    const body = wire({ temperature: 0.9, max_tokens: 64, top_k: 5 }, { defaults });
    expect([body.temperature, body.maxTokens, body.topK, body.topP]).toEqual([0.9, 64, 5, 0.5]);
  });

  test("alias max_completion_tokens is a default maxTokens too", () => {
    expect(wire({}, { defaults: { max_completion_tokens: 777 } }).maxTokens).toBe(777);
  });

  test("topK is never negative (OpenAI-style -1 means 'off' → 0)", () => {
    expect(wire({ top_k: -1 }).topK).toBe(0);
    expect(wire({}, { defaults: { top_k: -1 } }).topK).toBe(0);
    expect(wire({ top_k: 0 }).topK).toBe(0);
  });
});

describe("tools and response_format", () => {
  test("tools become name/description/parameterDefinitions", () => {
    const body = wire({
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "Current weather",
            parameters: {
              type: "object",
              properties: { city: { type: "string", description: "City name" }, days: { type: "integer" } },
              required: ["city"],
            },
          },
        },
        { type: "function", function: { name: "ping" } },
      ],
    });
    expect(body.tools).toEqual([
      {
        name: "get_weather",
        description: "Current weather",
        parameterDefinitions: {
          city: { type: "str", description: "City name", isRequired: true },
          days: { type: "int", isRequired: false },
        },
      },
      // Cohere needs a description: the name stands in.
      { name: "ping", description: "ping", parameterDefinitions: {} },
    ]);
  });

  test("tool schemas with $ref/$defs are inlined before mapping", () => {
    const body = wire({
      tools: [
        {
          type: "function",
          function: {
            name: "pick",
            description: "d",
            parameters: {
              $defs: { Color: { type: "string", enum: ["red", "green"] } },
              type: "object",
              properties: { color: { $ref: "#/$defs/Color" } },
              required: ["color"],
            },
          },
        },
      ],
    });
    expect(body.tools[0].parameterDefinitions).toEqual({
      color: { type: "str", isRequired: true, description: 'One of: "red", "green".' },
    });
  });

  test("response_format json_object → {type: JSON_OBJECT}", () => {
    expect(wire({ response_format: { type: "json_object" } }).responseFormat).toEqual({ type: "JSON_OBJECT" });
  });

  test("response_format text → {type: TEXT}", () => {
    expect(wire({ response_format: { type: "text" } }).responseFormat).toEqual({ type: "TEXT" });
  });

  test("response_format json_schema → {type: JSON_OBJECT, schema} with the schema simplified", () => {
    const body = wire({
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "person",
          schema: {
            $schema: "http://json-schema.org/draft-07/schema#",
            $defs: { Age: { type: "integer", minimum: 0 } },
            type: "object",
            properties: { name: { type: "string" }, age: { anyOf: [{ $ref: "#/$defs/Age" }, { type: "null" }] } },
            required: ["name"],
          },
        },
      },
    });
    expect(body.responseFormat).toEqual({
      type: "JSON_OBJECT",
      schema: {
        type: "object",
        properties: { name: { type: "string" }, age: { type: ["integer", "null"], minimum: 0 } },
        required: ["name"],
      },
    });
  });

  test("json_schema without a schema → JSON_OBJECT with an empty schema", () => {
    expect(wire({ response_format: { type: "json_schema", json_schema: { name: "x" } } }).responseFormat).toEqual({
      type: "JSON_OBJECT",
      schema: {},
    });
  });
});

describe("toolOutputs wrapping", () => {
  test("a JSON object is one output", () => {
    expect(toolOutputs('{"temp":20,"unit":"C"}')).toEqual([{ temp: 20, unit: "C" }]);
  });

  test("a JSON array of objects is used as is", () => {
    expect(toolOutputs('[{"a":1},{"b":2}]')).toEqual([{ a: 1 }, { b: 2 }]);
  });

  test("a JSON array with non-objects is wrapped whole", () => {
    expect(toolOutputs('[1,{"a":1}]')).toEqual([{ result: [1, { a: 1 }] }]);
    expect(toolOutputs('[["x"]]')).toEqual([{ result: [["x"]] }]);
  });

  test("JSON scalars are wrapped as their parsed value", () => {
    expect(toolOutputs("42")).toEqual([{ result: 42 }]);
    expect(toolOutputs("true")).toEqual([{ result: true }]);
    expect(toolOutputs("null")).toEqual([{ result: null }]);
    expect(toolOutputs('"quoted"')).toEqual([{ result: "quoted" }]);
  });

  test("plain text is wrapped as a string", () => {
    expect(toolOutputs("sunny, 20 degrees")).toEqual([{ result: "sunny, 20 degrees" }]);
    expect(toolOutputs("")).toEqual([{ result: "" }]);
  });
});

describe("web search, prediction, service tier, metadata on COHERE", () => {
  test("web_search_options changes what the answer says → 400 unsupported_parameter", () => {
    const e = apiError(() => wire({ web_search_options: { search_context_size: "low" } }));
    expect(e.code).toBe("unsupported_parameter");
    expect(e.param).toBe("web_search_options");
    expect(e.message).toContain("COHERE");
  });

  test("prediction, service_tier and metadata are hints: checked, then left out", () => {
    const body = wire({
      prediction: { type: "content", content: "x" },
      service_tier: "priority",
      metadata: { team: "a" },
    });
    expect(body).toEqual({ apiFormat: "COHERE", message: "hi", maxTokens: 2048, isStream: false });
    expect(apiError(() => wire({ service_tier: "flex" })).param).toBe("service_tier");
    expect(apiError(() => wire({ metadata: { n: 1 } })).param).toBe("metadata.n");
  });

  test("audio and documents → 400 naming the part (COHERE reads text only)", () => {
    const e = apiError(() =>
      wire({
        messages: msgs([
          { role: "user", content: [{ type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=" } }] },
        ]),
      }),
    );
    expect(e.param).toBe("messages[0].content[0]");
  });
});
