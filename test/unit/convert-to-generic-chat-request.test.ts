/** OpenAI chat request → OCI GENERIC body (CONTRACT §4, OCI-WIRE §2.1/§2.2; src/openai/convert-to-generic-chat-request.ts, describe-model.ts). */
import { describe, expect, test } from "bun:test";
import { convertToGenericChatRequest } from "../../src/chat/formats/convert-to-generic-chat-request";
import type { AliasParams, ModelAlias } from "../../src/config/types";
import type { ChatCompletionRequest } from "../../src/families/openai/schemas";
import type { WithoutNulls } from "../../src/lib/without-nulls";
import { describeModel, inferApiFormat } from "../../src/oci/model-target";
import { apiError } from "../support/throws";

const COMP = "ocid1.compartment.oc1..aaaa";
const alias = (id: string, extra: Partial<ModelAlias> = {}): ModelAlias => ({
  alias: "a",
  id,
  type: "model",
  region: "us-chicago-1",
  compartmentId: COMP,
  params: {},
  ...extra,
});
const LLAMA = describeModel(alias("meta.llama-3.3-70b-instruct"));
const GPT5 = describeModel(alias("openai.gpt-5"));
const GPT_OSS = describeModel(alias("openai.gpt-oss-120b"));

/** The body exactly as it goes on the wire (undefined members vanish in JSON). */
function wire(
  req: Partial<ChatCompletionRequest>,
  opts: { target?: typeof LLAMA; defaults?: AliasParams; stream?: boolean } = {},
) {
  const full = { messages: [{ role: "user", content: "hi" }], ...req } as WithoutNulls<ChatCompletionRequest>;
  return JSON.parse(
    JSON.stringify(convertToGenericChatRequest(full, opts.target ?? LLAMA, opts.defaults ?? {}, opts.stream ?? false)),
  );
}
const USER_HI = { role: "USER", content: [{ type: "TEXT", text: "hi" }] };

describe("minimal request", () => {
  test("exact body with defaults only", () => {
    expect(wire({})).toEqual({ apiFormat: "GENERIC", messages: [USER_HI], maxTokens: 2048, isStream: false });
  });

  test("streaming sets isStream and asks OCI for usage", () => {
    expect(wire({}, { stream: true })).toEqual({
      apiFormat: "GENERIC",
      messages: [USER_HI],
      maxTokens: 2048,
      isStream: true,
      streamOptions: { isIncludeUsage: true },
    });
  });

  test("unknown request fields are never forwarded", () => {
    const body = wire({ model: "a", user: "u1", stream: false, foo: "bar" } as Partial<ChatCompletionRequest>);
    expect(Object.keys(body).sort()).toEqual(["apiFormat", "isStream", "maxTokens", "messages"]);
  });
});

describe("messages", () => {
  test("every role maps to OCI's upper-case role", () => {
    const body = wire({
      messages: [
        { role: "system", content: "sys" },
        { role: "developer", content: "dev" },
        { role: "user", content: "weather?", name: "alice" },
        { role: "assistant", content: "let me check" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
      ],
    });
    expect(body.messages).toEqual([
      { role: "SYSTEM", content: [{ type: "TEXT", text: "sys" }] },
      { role: "DEVELOPER", content: [{ type: "TEXT", text: "dev" }] },
      { role: "USER", name: "alice", content: [{ type: "TEXT", text: "weather?" }] },
      { role: "ASSISTANT", content: [{ type: "TEXT", text: "let me check" }] },
      // Meta models get a minimal text beside tool calls (they reject the pair without one).
      {
        role: "ASSISTANT",
        content: [{ type: "TEXT", text: "." }],
        toolCalls: [{ id: "call_1", type: "FUNCTION", name: "get_weather", arguments: '{"city":"Paris"}' }],
      },
      { role: "TOOL", toolCallId: "call_1", content: [{ type: "TEXT", text: "sunny" }] },
    ]);
  });

  test("text and image parts: data URL and https, detail upper-cased", () => {
    const body = wire({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "what is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "auto" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.jpg", detail: "high" } },
            { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/" } },
          ],
        },
      ],
    });
    expect(body.messages).toEqual([
      {
        role: "USER",
        content: [
          { type: "TEXT", text: "what is this?" },
          { type: "IMAGE", imageUrl: { url: "data:image/png;base64,AAAA", detail: "AUTO" } },
          { type: "IMAGE", imageUrl: { url: "https://example.com/cat.jpg", detail: "HIGH" } },
          { type: "IMAGE", imageUrl: { url: "data:image/jpeg;base64,/9j/" } },
        ],
      },
    ]);
  });

  test("an image URL that is neither data:image nor http(s) → 400 naming the param", () => {
    const e = apiError(() =>
      wire({
        messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "file:///etc/passwd" } }] }],
      }),
    );
    expect(e.status).toBe(400);
    expect(e.param).toBe("messages[0].content[0].image_url.url");
  });

  test("an image in a system message → 400 naming the param", () => {
    const e = apiError(() =>
      wire({
        messages: [
          {
            role: "system",
            content: [
              { type: "text", text: "x" },
              { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
            ],
          },
          { role: "user", content: "hi" },
        ],
      }),
    );
    expect(e.status).toBe(400);
    expect(e.type).toBe("invalid_request_error");
    expect(e.param).toBe("messages[0].content[1]");
  });

  test("an image in a tool message → 400 naming the param", () => {
    const e = apiError(() =>
      wire({
        messages: [
          { role: "user", content: "hi" },
          {
            role: "tool",
            tool_call_id: "c",
            content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }],
          },
        ],
      }),
    );
    expect(e.status).toBe(400);
    expect(e.param).toBe("messages[1].content[0]");
  });

  test("a tool message without tool_call_id → 400", () => {
    const e = apiError(() =>
      wire({
        messages: [
          { role: "user", content: "hi" },
          { role: "tool", content: "x" },
        ],
      }),
    );
    expect(e.status).toBe(400);
    expect(e.param).toBe("messages[1].tool_call_id");
  });

  test("assistant with text and tool calls keeps both; reasoning_content is passed back", () => {
    const body = wire({
      messages: [
        { role: "user", content: "hi" },
        {
          role: "assistant",
          content: "checking",
          reasoning_content: "thought",
          tool_calls: [
            { id: "c1", function: { name: "f", arguments: "{}" } },
            { id: "c2", type: "function", function: { name: "g", arguments: '{"x":1}' } },
          ],
        },
      ],
    });
    expect(body.messages[1]).toEqual({
      role: "ASSISTANT",
      content: [{ type: "TEXT", text: "checking" }],
      toolCalls: [
        { id: "c1", type: "FUNCTION", name: "f", arguments: "{}" },
        { id: "c2", type: "FUNCTION", name: "g", arguments: '{"x":1}' },
      ],
      reasoningContent: "thought",
    });
  });

  test("assistant with empty text and tool calls sends no empty content (as OCI's SDK does)", () => {
    const messages = [
      { role: "user", content: "hi" },
      { role: "assistant", content: "", tool_calls: [{ id: "c1", function: { name: "f", arguments: "{}" } }] },
    ] as ChatCompletionRequest["messages"];
    const grok = wire({ messages }, { target: describeModel(alias("xai.grok-4")) });
    expect(grok.messages![1]).toEqual({
      role: "ASSISTANT",
      toolCalls: [{ id: "c1", type: "FUNCTION", name: "f", arguments: "{}" }],
    });
    // Meta rejects tool calls next to empty content: a minimal text keeps the turn valid.
    const llama = wire({ messages }, { target: LLAMA });
    expect(llama.messages![1]).toEqual({
      role: "ASSISTANT",
      content: [{ type: "TEXT", text: "." }],
      toolCalls: [{ id: "c1", type: "FUNCTION", name: "f", arguments: "{}" }],
    });
  });
});

describe("token limits", () => {
  test("default 2048 when neither request nor alias gives one", () => {
    expect(wire({}).maxTokens).toBe(2048);
    expect(wire({}, { target: GPT5 }).maxCompletionTokens).toBe(2048);
  });

  test("openai.gpt-5 needs maxCompletionTokens whichever OpenAI name the client used", () => {
    expect(GPT5.usesMaxCompletionTokens).toBe(true);
    for (const req of [{ max_tokens: 300 }, { max_completion_tokens: 300 }, {}]) {
      const body = wire(req, { target: GPT5 });
      expect(body).not.toHaveProperty("maxTokens");
      expect(body.maxCompletionTokens).toBe("max_tokens" in req || "max_completion_tokens" in req ? 300 : 2048);
    }
  });

  test("openai.gpt-5 with a max_tokens alias default → maxCompletionTokens", () => {
    const body = wire({}, { target: GPT5, defaults: { max_tokens: 512 } });
    expect(body).not.toHaveProperty("maxTokens");
    expect(body.maxCompletionTokens).toBe(512);
  });

  test("openai.gpt-oss-120b keeps maxTokens", () => {
    expect(GPT_OSS.usesMaxCompletionTokens).toBe(false);
    for (const req of [{ max_tokens: 300 }, { max_completion_tokens: 300 }]) {
      const body = wire(req, { target: GPT_OSS });
      expect(body).not.toHaveProperty("maxCompletionTokens");
      expect(body.maxTokens).toBe(300);
    }
  });

  test("other vendors use maxTokens for either name", () => {
    expect(wire({ max_completion_tokens: 77 }).maxTokens).toBe(77);
    expect(wire({ max_tokens: 66 })).not.toHaveProperty("maxCompletionTokens");
  });

  test("request's limit beats the alias's", () => {
    expect(wire({ max_tokens: 10 }, { defaults: { max_tokens: 999, max_completion_tokens: 888 } }).maxTokens).toBe(10);
    expect(wire({}, { defaults: { max_tokens: 999 } }).maxTokens).toBe(999);
  });
});

describe("sampling parameters and alias params", () => {
  const defaults: AliasParams = {
    temperature: 0.2,
    top_p: 0.9,
    top_k: 40,
    frequency_penalty: 0.1,
    presence_penalty: 0.3,
    reasoning_effort: "medium",
    verbosity: "low",
    max_tokens: 1000,
  };

  test("alias defaults are used when the request has none", () => {
    expect(wire({}, { defaults })).toEqual({
      apiFormat: "GENERIC",
      messages: [USER_HI],
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      frequencyPenalty: 0.1,
      presencePenalty: 0.3,
      reasoningEffort: "MEDIUM",
      verbosity: "LOW",
      maxTokens: 1000,
      isStream: false,
    });
  });

  test("the request overrides every alias default, including with 0", () => {
    const body = wire(
      {
        temperature: 0,
        top_p: 1,
        top_k: 0,
        frequency_penalty: 0,
        presence_penalty: -1,
        reasoning_effort: "high",
        verbosity: "high",
        max_tokens: 5,
      },
      { defaults },
    );
    expect(body).toMatchObject({
      temperature: 0,
      topP: 1,
      topK: 0,
      frequencyPenalty: 0,
      presencePenalty: -1,
      reasoningEffort: "HIGH",
      verbosity: "HIGH",
      maxTokens: 5,
    });
  });

  test("seed, n, logit_bias, logprobs", () => {
    const body = wire({ seed: 42, n: 2, logit_bias: { "50256": -100 }, logprobs: true, top_logprobs: 3 });
    expect(body).toMatchObject({ seed: 42, numGenerations: 2, logitBias: { "50256": -100 }, logProbs: 3 });
    expect(wire({ logprobs: true }).logProbs).toBe(1);
    expect(wire({ logprobs: false })).not.toHaveProperty("logProbs");
  });

  test("top_logprobs without logprobs → 400", () => {
    expect(apiError(() => wire({ top_logprobs: 2 })).param).toBe("top_logprobs");
  });

  test("stop string → array; array kept; null dropped", () => {
    expect(wire({ stop: "END" }).stop).toEqual(["END"]);
    expect(wire({ stop: ["a", "b"] }).stop).toEqual(["a", "b"]);
    expect(wire({ stop: null })).not.toHaveProperty("stop");
  });

  test.each(["none", "minimal", "low", "MEDIUM", "High"])("reasoning_effort %p is upper-cased", (v) => {
    expect(wire({ reasoning_effort: v }).reasoningEffort).toBe(v.toUpperCase());
  });

  // Claude Code's thinking and Codex's reasoning.effort come on every turn, whatever the model.
  test("a preferred effort goes to models that may reason, not to Meta's; an asked or configured one goes everywhere", () => {
    const preferred = { preferred_reasoning_effort: "high" } as Partial<ChatCompletionRequest>;
    expect(wire(preferred, { target: GPT5 }).reasoningEffort).toBe("HIGH");
    expect(wire(preferred, { target: LLAMA })).not.toHaveProperty("reasoningEffort");
    expect(wire({ ...preferred, reasoning_effort: "low" }, { target: LLAMA }).reasoningEffort).toBe("LOW");
    expect(wire(preferred, { target: LLAMA, defaults: { reasoning_effort: "medium" } }).reasoningEffort).toBe("MEDIUM");
  });

  test("invalid reasoning_effort → ApiError 400 with param reasoning_effort", () => {
    const e = apiError(() => wire({ reasoning_effort: "maximum" }));
    expect(e.status).toBe(400);
    expect(e.type).toBe("invalid_request_error");
    expect(e.param).toBe("reasoning_effort");
    expect(e.message).toContain("maximum");
  });

  test("invalid verbosity → ApiError 400 with param verbosity", () => {
    const e = apiError(() => wire({ verbosity: "chatty" }));
    expect(e.status).toBe(400);
    expect(e.param).toBe("verbosity");
  });
});

describe("tools and tool_choice", () => {
  const weather = {
    type: "function" as const,
    function: {
      name: "get_weather",
      description: "d",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    },
  };
  const noParams = { type: "function" as const, function: { name: "now" } };

  test("tools become flat FUNCTION tools", () => {
    const body = wire({ tools: [weather, noParams], parallel_tool_calls: true });
    expect(body.tools).toEqual([
      { type: "FUNCTION", name: "get_weather", description: "d", parameters: weather.function.parameters },
      { type: "FUNCTION", name: "now", parameters: { type: "object", properties: {} } },
    ]);
    expect(body.tools[0]).not.toHaveProperty("function");
    expect(body.isParallelToolCalls).toBe(true);
    expect(wire({ tools: [weather], parallel_tool_calls: false }).isParallelToolCalls).toBe(false);
    expect(wire({ tools: [weather] })).not.toHaveProperty("isParallelToolCalls");
  });

  test.each([
    ["auto", { type: "AUTO" }],
    ["none", { type: "NONE" }],
    ["required", { type: "REQUIRED" }],
    [
      { type: "function", function: { name: "get_weather" } },
      { type: "FUNCTION", name: "get_weather" },
    ],
  ])("tool_choice %p → %p", (choice, expected) => {
    expect(wire({ tools: [weather], tool_choice: choice as ChatCompletionRequest["tool_choice"] }).toolChoice).toEqual(
      expected,
    );
  });

  test("tool_choice naming a function not in tools → 400", () => {
    const e = apiError(() =>
      wire({ tools: [weather], tool_choice: { type: "function", function: { name: "other" } } }),
    );
    expect(e.status).toBe(400);
    expect(e.param).toBe("tool_choice");
  });

  test("tool_choice required without tools → 400", () => {
    expect(apiError(() => wire({ tool_choice: "required" })).param).toBe("tool_choice");
  });

  test("the full tool round-trip matches OCI-WIRE §2.2", () => {
    const body = wire(
      {
        messages: [
          { role: "system", content: "sys" },
          {
            role: "user",
            content: [
              { type: "text", text: "weather?" },
              { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "auto" } },
            ],
          },
          {
            role: "assistant",
            tool_calls: [
              { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            ],
          },
          { role: "tool", tool_call_id: "call_1", content: "sunny" },
        ],
        tools: [weather],
        tool_choice: "auto",
        parallel_tool_calls: true,
        response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" }, strict: true } },
        max_completion_tokens: 100,
        reasoning_effort: "low",
        seed: 1,
        stop: ["END"],
        logprobs: true,
        top_logprobs: 2,
        n: 1,
      },
      { target: describeModel(alias("xai.grok-4")) },
    );
    expect(body).toEqual({
      apiFormat: "GENERIC",
      messages: [
        { role: "SYSTEM", content: [{ type: "TEXT", text: "sys" }] },
        {
          role: "USER",
          content: [
            { type: "TEXT", text: "weather?" },
            { type: "IMAGE", imageUrl: { url: "data:image/png;base64,AAAA", detail: "AUTO" } },
          ],
        },
        {
          role: "ASSISTANT",
          toolCalls: [{ id: "call_1", type: "FUNCTION", name: "get_weather", arguments: '{"city":"Paris"}' }],
        },
        { role: "TOOL", toolCallId: "call_1", content: [{ type: "TEXT", text: "sunny" }] },
      ],
      tools: [
        {
          type: "FUNCTION",
          name: "get_weather",
          description: "d",
          parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        },
      ],
      toolChoice: { type: "AUTO" },
      isParallelToolCalls: true,
      responseFormat: { type: "JSON_SCHEMA", jsonSchema: { name: "x", schema: { type: "object" }, isStrict: true } },
      maxTokens: 100,
      reasoningEffort: "LOW",
      seed: 1,
      stop: ["END"],
      logProbs: 2,
      numGenerations: 1,
      isStream: false,
    });
  });
});

describe("response_format", () => {
  test("text, json_object, json_schema", () => {
    expect(wire({ response_format: { type: "text" } }).responseFormat).toEqual({ type: "TEXT" });
    expect(wire({ response_format: { type: "json_object" } }).responseFormat).toEqual({ type: "JSON_OBJECT" });
    const schema = { type: "object", properties: { a: { type: "integer" } }, required: ["a"] };
    expect(
      wire({
        response_format: {
          type: "json_schema",
          json_schema: { name: "n", description: "desc", schema, strict: false },
        },
      }).responseFormat,
    ).toEqual({ type: "JSON_SCHEMA", jsonSchema: { name: "n", description: "desc", schema, isStrict: false } });
    expect(
      wire({ response_format: { type: "json_schema", json_schema: { name: "n", strict: null } } }).responseFormat,
    ).toEqual({
      type: "JSON_SCHEMA",
      jsonSchema: { name: "n" },
    });
  });
});

describe("describeModel and inferApiFormat", () => {
  test("model name → ON_DEMAND with modelId", () => {
    expect(describeModel(alias("meta.llama-3.3-70b-instruct"))).toEqual({
      format: "GENERIC",
      servingMode: { servingType: "ON_DEMAND", modelId: "meta.llama-3.3-70b-instruct" },
      usesMaxCompletionTokens: false,
      modelName: "meta.llama-3.3-70b-instruct",
      needsAssistantText: true,
      reasonsNever: true,
    });
  });

  test("dedicated endpoint OCID → DEDICATED with endpointId", () => {
    const id = "ocid1.generativeaiendpoint.oc1.us-chicago-1.amaaaaaa";
    const t = describeModel(alias(id));
    expect(t.servingMode).toEqual({ servingType: "DEDICATED", endpointId: id });
    expect(t.modelName).toBeUndefined();
    expect(t.format).toBe("GENERIC");
  });

  test("model OCID → ON_DEMAND with the OCID as modelId", () => {
    const id = "ocid1.generativeaimodel.oc1.us-chicago-1.amaaaaaa";
    expect(describeModel(alias(id)).servingMode).toEqual({ servingType: "ON_DEMAND", modelId: id });
  });

  test("format: explicit apiFormat beats the name learned for an OCID, which beats the GENERIC default", () => {
    expect(describeModel(alias("cohere.command-r-plus", { apiFormat: "GENERIC" })).format).toBe("GENERIC");
    expect(describeModel(alias("ocid1.generativeaimodel.oc1..x"), "cohere.command-r-plus").format).toBe("COHERE");
    expect(
      describeModel(alias("ocid1.generativeaimodel.oc1..x", { apiFormat: "COHEREV2" }), "cohere.command-r-plus").format,
    ).toBe("COHEREV2");
    expect(describeModel(alias("ocid1.generativeaimodel.oc1..x")).format).toBe("GENERIC");
    expect(describeModel(alias("cohere.command-r-plus")).format).toBe("COHERE");
  });

  test.each([
    ["cohere.command-r-08-2024", "COHERE"],
    ["cohere.command-r", "COHERE"],
    ["cohere.command-a-03-2025", "COHERE"],
    ["cohere.command-a-vision-07-2025", "COHEREV2"],
    ["cohere.command-a-vision", "COHEREV2"],
    ["meta.llama-3.3-70b-instruct", "GENERIC"],
    ["openai.gpt-5", "GENERIC"],
    ["xai.grok-4", "GENERIC"],
    ["google.gemini-2.5-pro", "GENERIC"],
  ])("inferApiFormat(%p) = %p", (name, format) => {
    expect(inferApiFormat(name) as string).toBe(format);
  });

  test.each([
    ["openai.gpt-5", true],
    ["openai.gpt-5.4", true],
    ["openai.o3", true],
    ["openai.gpt-oss-120b", false],
    ["openai.gpt-oss-20b", false],
    ["meta.llama-4-maverick", false],
  ])("usesMaxCompletionTokens(%p) = %p", (name, expected) => {
    expect(describeModel(alias(name)).usesMaxCompletionTokens).toBe(expected);
  });
});

describe("web search, prediction, service tier, metadata (docs/oci-wire.md#newer-generic-fields)", () => {
  test("each maps to OCI's field in OCI's words", () => {
    const body = wire({
      web_search_options: {
        search_context_size: "high",
        user_location: {
          type: "approximate",
          approximate: { city: "Lisbon", country: "PT", timezone: "Europe/Lisbon" },
        },
      },
      prediction: { type: "content", content: "const x = 1;" },
      service_tier: "priority",
      metadata: { team: "search", run: "42" },
    });
    expect(body.webSearchOptions).toEqual({
      searchContextSize: "HIGH",
      userLocation: { city: "Lisbon", country: "PT", timezone: "Europe/Lisbon" },
    });
    expect(body.prediction).toEqual({ type: "CONTENT", content: [{ type: "TEXT", text: "const x = 1;" }] });
    expect(body.serviceTier).toBe("PRIORITY");
    expect(body.metadata).toEqual({ team: "search", run: "42" });
  });

  test("an empty web_search_options still turns search on; prediction text parts stay parts", () => {
    const body = wire({
      web_search_options: {},
      prediction: {
        type: "content",
        content: [
          { type: "text", text: "a" },
          { type: "text", text: "b" },
        ],
      },
    });
    expect(body.webSearchOptions).toEqual({});
    expect(body.prediction.content).toEqual([
      { type: "TEXT", text: "a" },
      { type: "TEXT", text: "b" },
    ]);
  });

  test("auto and default tiers; nulls send nothing", () => {
    expect(wire({ service_tier: "auto" }).serviceTier).toBe("AUTO");
    expect(wire({ service_tier: "default" }).serviceTier).toBe("DEFAULT");
    const none = wire({ service_tier: null, metadata: null, prediction: null });
    expect(Object.keys(none).sort()).toEqual(["apiFormat", "isStream", "maxTokens", "messages"]);
  });

  test.each(["flex", "scale", "PRIORITY", "__proto__", ""])("service_tier %j → 400 naming service_tier", (tier) => {
    const e = apiError(() => wire({ service_tier: tier }));
    expect(e.status).toBe(400);
    expect(e.param).toBe("service_tier");
    expect(e.message).toContain("auto, default and priority");
  });

  test("metadata past OCI's limits → 400 naming it, never trimmed", () => {
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"]));
    expect(apiError(() => wire({ metadata: many })).param).toBe("metadata");
    expect(apiError(() => wire({ metadata: { ["k".repeat(65)]: "v" } })).param).toBe("metadata");
    expect(apiError(() => wire({ metadata: { note: "x".repeat(513) } })).param).toBe("metadata.note");
    expect(apiError(() => wire({ metadata: { n: 5 } })).param).toBe("metadata.n");
    const edge = {
      ...Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, "v"])),
      ["k".repeat(64)]: "x".repeat(512),
    };
    expect(Object.keys(wire({ metadata: edge }).metadata)).toHaveLength(16);
  });
});

describe("audio, video and document parts", () => {
  const user = (...content: unknown[]) => ({ messages: [{ role: "user", content }] }) as Partial<ChatCompletionRequest>;

  test("input_audio becomes AUDIO with a data URL of its format", () => {
    const body = wire(user({ type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } }));
    expect(body.messages[0].content).toEqual([{ type: "AUDIO", audioUrl: { url: "data:audio/wav;base64,UklGRg==" } }]);
    const mp3 = wire(user({ type: "input_audio", input_audio: { data: "SUQz", format: "mp3" } }));
    expect(mp3.messages[0].content[0].audioUrl.url).toBe("data:audio/mp3;base64,SUQz");
  });

  test("a file part goes by its media type: PDF and text → DOCUMENT, audio, video, image", () => {
    const body = wire(
      user(
        { type: "text", text: "summarize" },
        { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" } },
        { type: "file", file: { file_data: "data:text/csv;base64,YSxi" } },
        { type: "file", file: { file_data: "data:audio/flac;base64,ZkxhQw==" } },
        { type: "file", file: { file_data: "data:video/mp4;base64,AAAA" } },
        { type: "file", file: { file_data: "data:image/png;base64,iVBO" } },
      ),
    );
    expect(body.messages[0].content).toEqual([
      { type: "TEXT", text: "summarize" },
      { type: "DOCUMENT", documentUrl: { url: "data:application/pdf;base64,JVBERi0=" } },
      { type: "DOCUMENT", documentUrl: { url: "data:text/csv;base64,YSxi" } },
      { type: "AUDIO", audioUrl: { url: "data:audio/flac;base64,ZkxhQw==" } },
      { type: "VIDEO", videoUrl: { url: "data:video/mp4;base64,AAAA" } },
      { type: "IMAGE", imageUrl: { url: "data:image/png;base64,iVBO" } },
    ]);
  });

  test("a file OCI has no content type for → 400 naming the part", () => {
    const e = apiError(() =>
      wire({
        messages: [
          { role: "user", content: "first" },
          {
            role: "user",
            content: [
              { type: "text", text: "a" },
              { type: "text", text: "b" },
              { type: "file", file: { file_data: "data:application/zip;base64,UEsDBA==" } },
            ],
          },
        ],
      }),
    );
    expect(e.status).toBe(400);
    expect(e.param).toBe("messages[1].content[2]");
    expect(e.code).toBe("unsupported_file_type");
    expect(e.message).toContain("application/zip");
  });

  test("file data that is not a base64 data URL, an unresolved file id, a data URL as audio → 400 naming the field", () => {
    expect(apiError(() => wire(user({ type: "file", file: { file_data: "JVBERi0=" } }))).param).toBe(
      "messages[0].content[0].file.file_data",
    );
    expect(apiError(() => wire(user({ type: "file", file: { file_id: "file-abc" } }))).param).toBe(
      "messages[0].content[0].file",
    );
    expect(
      apiError(() =>
        wire(user({ type: "input_audio", input_audio: { data: "data:audio/wav;base64,AAAA", format: "wav" } })),
      ).param,
    ).toBe("messages[0].content[0].input_audio.data");
    expect(
      apiError(() => wire(user({ type: "input_audio", input_audio: { data: "AAAA", format: "flac" } }))).param,
    ).toBe("messages[0].content[0].input_audio.format");
  });

  test("media in a system or tool message → 400: only user turns carry them", () => {
    const e = apiError(() =>
      wire({
        messages: [
          { role: "system", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] },
          { role: "user", content: "hi" },
        ],
      } as Partial<ChatCompletionRequest>),
    );
    expect(e.param).toBe("messages[0].content[0]");
  });
});
