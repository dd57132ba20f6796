/**
 * COHEREV2 (Cohere vision models): request conversion, response mapping to the chat core's answer,
 * stream mapping to its events (docs/oci-wire.md; src/chat/formats/convert-to-cohere-v2-chat-request.ts,
 * map-cohere-v2-chat-response.ts, cohere-v2-stream-mapper.ts), and the OpenAI rendering of both.
 */
import { describe, expect, test } from "bun:test";
import { CohereV2StreamMapper } from "../../src/chat/formats/cohere-v2-stream-mapper";
import { convertToCohereV2ChatRequest } from "../../src/chat/formats/convert-to-cohere-v2-chat-request";
import { mapCohereV2ChatResponse } from "../../src/chat/formats/map-cohere-v2-chat-response";
import { syntheticToolCallId } from "../../src/chat/formats/synthetic-tool-call-id";
import type { ChatEvent, FinishReason } from "../../src/chat/types";
import type { AliasParams } from "../../src/config/types";
import { toChatCompletion } from "../../src/families/openai/chat-completion";
import type { ChatCompletionRequest } from "../../src/families/openai/schemas";
import type { WithoutNulls } from "../../src/lib/without-nulls";
import { chatEvents } from "../support/chat-events";
import { toolCallsOnly } from "../support/rendered-answers";
import { assembleToolCalls, finishesOf, renderChunks, runStreamMapper } from "../support/run-stream-mapper";
import { apiError, upstreamError } from "../support/throws";

function wire(req: Partial<ChatCompletionRequest>, opts: { defaults?: AliasParams; stream?: boolean } = {}): any {
  const full = { messages: [{ role: "user", content: "hi" }], ...req } as WithoutNulls<ChatCompletionRequest>;
  return JSON.parse(JSON.stringify(convertToCohereV2ChatRequest(full, opts.defaults ?? {}, opts.stream ?? false)));
}
const msgs = (m: unknown[]) => m as ChatCompletionRequest["messages"];
const TEXT = (text: string) => ({ type: "TEXT", text });
const USER_HI = { role: "USER", content: [TEXT("hi")] };

describe("convertToCohereV2ChatRequest", () => {
  test("minimal body: TEXT content, default maxTokens 2048", () => {
    expect(wire({})).toEqual({ apiFormat: "COHEREV2", messages: [USER_HI], maxTokens: 2048, isStream: false });
  });

  test("streaming asks OCI for usage", () => {
    expect(wire({}, { stream: true })).toEqual({
      apiFormat: "COHEREV2",
      messages: [USER_HI],
      maxTokens: 2048,
      isStream: true,
      streamOptions: { isIncludeUsage: true },
    });
  });

  test("a full conversation keeps roles, tool-call ids and tool results with toolCallId", () => {
    const body = wire({
      messages: msgs([
        { role: "system", content: "sys" },
        { role: "developer", content: [{ type: "text", text: "dev" }] },
        { role: "user", content: "Weather in Paris?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            { id: "call_b", function: { name: "get_time", arguments: "{}" } },
          ],
        },
        { role: "tool", tool_call_id: "call_a", content: '{"temp":20}' },
        { role: "tool", tool_call_id: "call_b", content: [{ type: "text", text: "noon" }] },
        { role: "assistant", content: "20 degrees at noon." },
        { role: "user", content: "thanks" },
      ]),
    });
    expect(body.messages).toEqual([
      { role: "SYSTEM", content: [TEXT("sys"), TEXT("dev")] },
      { role: "USER", content: [TEXT("Weather in Paris?")] },
      {
        role: "ASSISTANT",
        toolCalls: [
          { id: "call_a", type: "FUNCTION", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          { id: "call_b", type: "FUNCTION", function: { name: "get_time", arguments: "{}" } },
        ],
      },
      { role: "TOOL", toolCallId: "call_a", content: [TEXT('{"temp":20}')] },
      { role: "TOOL", toolCallId: "call_b", content: [TEXT("noon")] },
      { role: "ASSISTANT", content: [TEXT("20 degrees at noon.")] },
      { role: "USER", content: [TEXT("thanks")] },
    ]);
  });

  test("media a tool returned: images go along, anything else becomes a note; the user's own PDF is still refused", () => {
    const pdf = "data:application/pdf;base64,JVBERi0=";
    const png = "data:image/png;base64,iVBORw0KGgo=";
    const body = convertToCohereV2ChatRequest(
      {
        messages: msgs([
          {
            role: "user",
            content: [
              { type: "text", text: "What the tools returned:" },
              { type: "image_url", image_url: { url: png }, from_tool: true },
              { type: "file", file: { file_data: pdf }, from_tool: true },
            ],
          },
        ]),
      },
      {},
      false,
    );
    expect(body.messages[0]!.content as unknown[]).toEqual([
      TEXT("What the tools returned:"),
      { type: "IMAGE_URL", imageUrl: { url: png } },
      TEXT("[a file the tool returned, which this model cannot read]"),
    ]);
    expect(() =>
      wire({ messages: msgs([{ role: "user", content: [{ type: "file", file: { file_data: pdf } }] }]) }),
    ).toThrow("COHEREV2 models take text and images only");
  });

  test("system messages mid-list and last join the leading SYSTEM message; the user turn stays last", () => {
    const body = convertToCohereV2ChatRequest(
      {
        messages: msgs([
          { role: "system", content: "sys" },
          { role: "user", content: "a" },
          { role: "system", content: "reminder" },
          { role: "assistant", content: "b" },
          { role: "user", content: "c" },
          { role: "system", content: "last word" },
        ]),
      },
      {},
      false,
    );
    expect(body.messages).toEqual([
      { role: "SYSTEM", content: [TEXT("sys"), TEXT("reminder"), TEXT("last word")] },
      { role: "USER", content: [TEXT("a")] },
      { role: "ASSISTANT", content: [TEXT("b")] },
      { role: "USER", content: [TEXT("c")] },
    ]);
  });

  test("assistant: empty text beside tool calls is dropped; text beside tool calls kept; empty turn keeps an empty TEXT", () => {
    const call = { id: "c1", type: "function" as const, function: { name: "f", arguments: "{}" } };
    const body = wire({
      messages: msgs([
        { role: "user", content: "q" },
        { role: "assistant", content: "", tool_calls: [call] },
        { role: "assistant", content: "checking", tool_calls: [call] },
        { role: "assistant", content: null },
        { role: "user", content: "q2" },
      ]),
    });
    expect(body.messages.slice(1, 4)).toEqual([
      { role: "ASSISTANT", toolCalls: [{ id: "c1", type: "FUNCTION", function: { name: "f", arguments: "{}" } }] },
      {
        role: "ASSISTANT",
        content: [TEXT("checking")],
        toolCalls: [{ id: "c1", type: "FUNCTION", function: { name: "f", arguments: "{}" } }],
      },
      { role: "ASSISTANT", content: [TEXT("")] },
    ]);
  });

  test("user image parts → IMAGE_URL with detail upper-cased", () => {
    const body = wire({
      messages: msgs([
        {
          role: "user",
          content: [
            { type: "text", text: "what is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "high" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.jpg", detail: "auto" } },
            { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/" } },
          ],
        },
      ]),
    });
    expect(body.messages).toEqual([
      {
        role: "USER",
        content: [
          TEXT("what is this?"),
          { type: "IMAGE_URL", imageUrl: { url: "data:image/png;base64,AAAA", detail: "HIGH" } },
          { type: "IMAGE_URL", imageUrl: { url: "https://example.com/cat.jpg", detail: "AUTO" } },
          { type: "IMAGE_URL", imageUrl: { url: "data:image/jpeg;base64,/9j/" } },
        ],
      },
    ]);
  });

  test("images are refused in system, assistant and tool messages (400 naming the part)", () => {
    const img = { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } };
    const sys = apiError(() =>
      wire({
        messages: msgs([
          { role: "system", content: [{ type: "text", text: "s" }, img] },
          { role: "user", content: "hi" },
        ]),
      }),
    );
    expect(sys.status).toBe(400);
    expect(sys.type).toBe("invalid_request_error");
    expect(sys.param).toBe("messages[0].content[1]");
    expect(
      apiError(() =>
        wire({
          messages: msgs([
            { role: "user", content: "q" },
            { role: "assistant", content: [img] },
            { role: "user", content: "hi" },
          ]),
        }),
      ).param,
    ).toBe("messages[1].content[0]");
    expect(
      apiError(() =>
        wire({
          messages: msgs([
            { role: "user", content: "q" },
            { role: "tool", tool_call_id: "c", content: [img] },
          ]),
        }),
      ).param,
    ).toBe("messages[1].content[0]");
  });

  test("an image URL that is neither data:image nor http(s) → 400 naming its url", () => {
    const e = apiError(() =>
      wire({
        messages: msgs([{ role: "user", content: [{ type: "image_url", image_url: { url: "file:///etc/passwd" } }] }]),
      }),
    );
    expect(e.status).toBe(400);
    expect(e.param).toBe("messages[0].content[0].image_url.url");
  });

  test("a tool message without tool_call_id → 400", () => {
    const e = apiError(() =>
      wire({
        messages: msgs([
          { role: "user", content: "q" },
          { role: "tool", content: "x" },
        ]),
      }),
    );
    expect(e.status).toBe(400);
    expect(e.param).toBe("messages[1].tool_call_id");
  });

  test("tools in v2 form: {type: FUNCTION, function: {name, description, parameters}}, schemas simplified", () => {
    const body = wire({
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "Weather",
            parameters: {
              $defs: { City: { type: "string" } },
              type: "object",
              properties: { city: { $ref: "#/$defs/City" }, unit: { anyOf: [{ type: "string" }, { type: "null" }] } },
              required: ["city"],
            },
          },
        },
        { type: "function", function: { name: "ping" } },
      ],
    });
    expect(body.tools).toEqual([
      {
        type: "FUNCTION",
        function: {
          name: "get_weather",
          description: "Weather",
          parameters: {
            type: "object",
            properties: { city: { type: "string" }, unit: { type: ["string", "null"] } },
            required: ["city"],
          },
        },
      },
      { type: "FUNCTION", function: { name: "ping", parameters: { type: "object", properties: {} } } },
    ]);
  });

  test("tool_choice: required → REQUIRED, none → NONE, auto → no toolsChoice", () => {
    expect(wire({ tool_choice: "required" }).toolsChoice).toBe("REQUIRED");
    expect(wire({ tool_choice: "none" }).toolsChoice).toBe("NONE");
    expect(wire({ tool_choice: "auto" })).not.toHaveProperty("toolsChoice");
  });

  test("a named function tool_choice → 400 unsupported_parameter tool_choice", () => {
    const e = apiError(() => wire({ tool_choice: { type: "function", function: { name: "get_weather" } } }));
    expect(e.status).toBe(400);
    expect(e.code).toBe("unsupported_parameter");
    expect(e.param).toBe("tool_choice");
  });

  test("reasoning_effort none → thinking DISABLED, any other effort → ENABLED, alias default applies", () => {
    expect(wire({ reasoning_effort: "none" }).thinking).toEqual({ type: "DISABLED" });
    expect(wire({ reasoning_effort: "high" }).thinking).toEqual({ type: "ENABLED" });
    expect(wire({}, { defaults: { reasoning_effort: "none" } }).thinking).toEqual({ type: "DISABLED" });
    expect(wire({})).not.toHaveProperty("thinking");
  });

  test("an invalid reasoning_effort → 400 naming it", () => {
    expect(apiError(() => wire({ reasoning_effort: "extreme" })).param).toBe("reasoning_effort");
  });

  const unsupported: Array<[string, Partial<ChatCompletionRequest>]> = [
    ["n", { n: 3 }],
    ["logprobs", { logprobs: true }],
    ["top_logprobs", { top_logprobs: 2 }],
    ["logit_bias", { logit_bias: { "1": 5 } }],
    ["parallel_tool_calls", { parallel_tool_calls: false }],
    ["verbosity", { verbosity: "high" }],
  ];
  for (const [param, req] of unsupported) {
    test(`unsupported ${param} → 400 unsupported_parameter`, () => {
      const e = apiError(() => wire(req));
      expect(e.status).toBe(400);
      expect(e.code).toBe("unsupported_parameter");
      expect(e.param).toBe(param);
    });
  }

  test("sampling, stop and response_format", () => {
    const body = wire({
      temperature: 0.2,
      top_p: 0.9,
      top_k: -1,
      max_tokens: 50,
      frequency_penalty: 0.1,
      presence_penalty: 0.2,
      seed: 7,
      stop: "###",
      response_format: { type: "json_object" },
    });
    expect(body).toEqual({
      apiFormat: "COHEREV2",
      messages: [USER_HI],
      maxTokens: 50,
      isStream: false,
      temperature: 0.2,
      topP: 0.9,
      topK: 0,
      frequencyPenalty: 0.1,
      presencePenalty: 0.2,
      seed: 7,
      stopSequences: ["###"],
      responseFormat: { type: "JSON_OBJECT" },
    });
    expect(
      wire({ response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" } } } })
        .responseFormat,
    ).toEqual({
      type: "JSON_OBJECT",
      schema: { type: "object" },
    });
  });
});

const ANSWER_ID = "v2";
const META = { id: "chatcmpl-v2", created: 1_700_000_789, model: "vision-alias" };
const v2 = (chatResponse: Record<string, unknown>) => ({
  modelId: "cohere.command-a-vision-07-2025",
  chatResponse: { apiFormat: "COHEREV2", ...chatResponse },
});

describe("mapCohereV2ChatResponse", () => {
  test("TEXT + THINKING → text + reasoning, usage mapped; rendered as content + reasoning_content", () => {
    const res = mapCohereV2ChatResponse(
      v2({
        id: "abc",
        message: {
          role: "ASSISTANT",
          content: [{ type: "THINKING", thinking: "Let me think." }, TEXT("Hello"), TEXT(" world")],
        },
        finishReason: "COMPLETE",
        usage: {
          promptTokens: 10,
          completionTokens: 5,
          totalTokens: 15,
          completionTokensDetails: { reasoningTokens: 3 },
        },
      }),
    );
    expect(res).toEqual({
      choices: [{ index: 0, text: "Hello world", reasoning: "Let me think.", toolCalls: [], finishReason: "stop" }],
      usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15, reasoningTokens: 3 },
    });
    expect(toChatCompletion(res, META)).toEqual({
      id: META.id,
      object: "chat.completion",
      created: META.created,
      model: META.model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "Hello world", reasoning_content: "Let me think." },
          logprobs: null,
          finish_reason: "stop",
        },
      ],
      usage: {
        prompt_tokens: 10,
        completion_tokens: 5,
        total_tokens: 15,
        completion_tokens_details: { reasoning_tokens: 3 },
      },
    });
  });

  test("TOOL_CALL → tool calls with OCI's ids, no text (rendered content null)", () => {
    const res = mapCohereV2ChatResponse(
      v2({
        message: {
          role: "ASSISTANT",
          toolPlan: "I will call get_weather.",
          toolCalls: [
            {
              id: "get_weather_abc",
              type: "FUNCTION",
              function: { name: "get_weather", arguments: '{"city":"Paris"}' },
            },
            { type: "FUNCTION", function: { name: "get_time", arguments: { tz: "CET" } } },
          ],
        },
        finishReason: "TOOL_CALL",
      }),
    );
    const expected = toolCallsOnly([
      { id: "get_weather_abc", name: "get_weather", arguments: '{"city":"Paris"}' },
      // No id from OCI: a synthetic one; object arguments are serialised.
      { id: syntheticToolCallId(1, "get_time", '{"tz":"CET"}'), name: "get_time", arguments: '{"tz":"CET"}' },
    ]);
    expect(res.choices).toEqual([expected.choice]);
    expect(res.choices[0]!.text).toBeUndefined();
    expect(res.choices[0]).not.toHaveProperty("reasoning");
    expect(res.usage).toBeUndefined();
    expect(toChatCompletion(res, META).choices).toEqual([expected.rendered]);
  });

  const reasons: Array<[string, FinishReason]> = [
    ["COMPLETE", "stop"],
    ["STOP_SEQUENCE", "stop"],
    ["MAX_TOKENS", "length"],
    ["TOOL_CALL", "tool_calls"],
  ];
  for (const [reason, expected] of reasons) {
    test(`finishReason ${reason} → ${expected}`, () => {
      const res = mapCohereV2ChatResponse(
        v2({ message: { role: "ASSISTANT", content: [TEXT("x")] }, finishReason: reason }),
      );
      expect(res.choices[0]!.finishReason).toBe(expected);
    });
  }

  test("finishReason ERROR → bad_response with OCI's message", () => {
    const e = upstreamError(() =>
      mapCohereV2ChatResponse(
        v2({ message: { role: "ASSISTANT", content: [] }, finishReason: "ERROR", errorMessage: "bad image" }),
      ),
    );
    expect(e.failure).toBe("bad_response");
    expect(e.message).toContain("bad image");
  });

  test("wrong format, missing message or nameless tool call → bad_response", () => {
    expect(
      upstreamError(() => mapCohereV2ChatResponse({ chatResponse: { apiFormat: "COHERE", text: "x" } })).failure,
    ).toBe("bad_response");
    expect(upstreamError(() => mapCohereV2ChatResponse(v2({ finishReason: "COMPLETE" }))).failure).toBe("bad_response");
    expect(
      upstreamError(() =>
        mapCohereV2ChatResponse(
          v2({
            message: { role: "ASSISTANT", toolCalls: [{ id: "x", function: { arguments: "{}" } }] },
            finishReason: "TOOL_CALL",
          }),
        ),
      ).failure,
    ).toBe("bad_response");
  });
});

describe("CohereV2StreamMapper", () => {
  const base: any = { id: META.id, object: "chat.completion.chunk", created: META.created, model: META.model };
  const delta = (d: Record<string, unknown>, finishReason: string | null = null): any => ({
    ...base,
    choices: [{ index: 0, delta: d, logprobs: null, finish_reason: finishReason }],
  });
  const msg = (m: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    apiFormat: "COHEREV2",
    message: { role: "ASSISTANT", ...m },
    ...extra,
  });
  const run = (evs: unknown[]): ChatEvent[] => runStreamMapper(new CohereV2StreamMapper(ANSWER_ID), evs);
  const { text, finish, toolCall: call, toolArguments: args } = chatEvents;
  const USAGE = { promptTokens: 9, completionTokens: 4, totalTokens: 13 };

  test("a usage event after the finish event (as GENERIC streams send it) is kept", () => {
    const evs = [
      msg({ content: [TEXT("Hi")] }),
      msg({ content: [TEXT("Hi")] }, { finishReason: "COMPLETE" }),
      { usage: USAGE },
    ];
    expect(run(evs)).toEqual([
      text("Hi"),
      finish("stop"),
      { type: "usage", usage: { inputTokens: 9, outputTokens: 4, totalTokens: 13 } },
    ]);
  });

  test("text deltas; the final event repeating the full text is not re-sent; the usage comes last", () => {
    const evs = [
      msg({ content: [TEXT("Hel")] }),
      msg({ content: [TEXT("lo")] }),
      msg({ content: [TEXT("Hello")] }, { finishReason: "COMPLETE", usage: USAGE }),
    ];
    expect(run(evs)).toEqual([
      text("Hel"),
      text("lo"),
      finish("stop"),
      { type: "usage", usage: { inputTokens: 9, outputTokens: 4, totalTokens: 13 } },
    ]);
    expect(renderChunks(run(evs), META, true)).toEqual([
      delta({ role: "assistant", content: "" }),
      delta({ content: "Hel" }),
      delta({ content: "lo" }),
      delta({}, "stop"),
      { ...base, choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } },
    ]);
    expect(renderChunks(run(evs), META, false).some((c) => c.usage !== undefined)).toBe(false);
  });

  test("a last piece of text carried by the finish event is sent", () => {
    const out = run([msg({ content: [TEXT("Hi")] }), msg({ content: [TEXT("!")] }, { finishReason: "COMPLETE" })]);
    expect(out).toEqual([text("Hi"), text("!"), finish("stop")]);
  });

  test("THINKING deltas → reasoning events (rendered as reasoning_content)", () => {
    const out = run([
      msg({ content: [{ type: "THINKING", thinking: "hmm" }] }),
      msg({ content: [TEXT("ok")] }),
      { finishReason: "COMPLETE" },
    ]);
    expect(out).toEqual([{ type: "reasoning", choice: 0, text: "hmm" }, text("ok"), finish("stop")]);
    expect(renderChunks(out, META, false)).toEqual([
      delta({ role: "assistant", content: "" }),
      delta({ reasoning_content: "hmm" }),
      delta({ content: "ok" }),
      delta({}, "stop"),
    ]);
  });

  test("tool-call fragments are appended to the right index; the final repeat is not re-sent", () => {
    const evs = [
      msg({ toolCalls: [{ id: "tc1", type: "FUNCTION", function: { name: "get_weather", arguments: "" } }] }),
      msg({ toolCalls: [{ type: "FUNCTION", function: { arguments: '{"city":' } }] }),
      msg({ toolCalls: [{ type: "FUNCTION", function: { arguments: '"Paris"}' } }] }),
      msg({ toolCalls: [{ id: "tc2", type: "FUNCTION", function: { name: "get_time", arguments: "{" } }] }),
      msg({ toolCalls: [{ type: "FUNCTION", function: { arguments: "}" } }] }),
      msg(
        {
          toolCalls: [
            { id: "tc1", type: "FUNCTION", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            { id: "tc2", type: "FUNCTION", function: { name: "get_time", arguments: "{}" } },
          ],
        },
        { finishReason: "TOOL_CALL", usage: USAGE },
      ),
    ];
    const out = run(evs);
    expect(out).toEqual([
      call(0, "tc1", "get_weather", ""),
      args(0, '{"city":'),
      args(0, '"Paris"}'),
      call(1, "tc2", "get_time", "{"),
      args(1, "}"),
      finish("tool_calls"),
      { type: "usage", usage: { inputTokens: 9, outputTokens: 4, totalTokens: 13 } },
    ]);
    // What a client assembles per index.
    expect(assembleToolCalls(out)).toEqual([
      { id: "tc1", name: "get_weather", arguments: '{"city":"Paris"}' },
      { id: "tc2", name: "get_time", arguments: "{}" },
    ]);
    expect(renderChunks(out, META, false).slice(1)).toEqual([
      delta({
        tool_calls: [{ index: 0, id: "tc1", type: "function", function: { name: "get_weather", arguments: "" } }],
      }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      delta({
        tool_calls: [{ index: 1, id: "tc2", type: "function", function: { name: "get_time", arguments: "{" } }],
      }),
      delta({ tool_calls: [{ index: 1, function: { arguments: "}" } }] }),
      delta({}, "tool_calls"),
    ]);
  });

  test("a first fragment without an id gets a synthetic id", () => {
    const out = run([
      msg({ toolCalls: [{ type: "FUNCTION", function: { name: "f", arguments: "{" } }] }),
      msg({ toolCalls: [{ type: "FUNCTION", function: { arguments: "}" } }] }),
      { finishReason: "TOOL_CALL" },
    ]);
    expect(out).toEqual([call(0, syntheticToolCallId(0, "f", "{"), "f", "{"), args(0, "}"), finish("tool_calls")]);
  });

  test("whole parallel calls in one event get indices 0..n-1", () => {
    const out = run([
      msg({
        toolCalls: [
          { id: "a", type: "FUNCTION", function: { name: "f", arguments: "{}" } },
          { id: "b", type: "FUNCTION", function: { name: "g", arguments: '{"x":1}' } },
        ],
      }),
      { apiFormat: "COHEREV2", finishReason: "TOOL_CALL" },
    ]);
    expect(out).toEqual([call(0, "a", "f", "{}"), call(1, "b", "g", '{"x":1}'), finish("tool_calls")]);
  });

  test("finish reasons: STOP_SEQUENCE → stop, MAX_TOKENS → length; ERROR throws bad_response", () => {
    expect(finishesOf(run([msg({ content: [TEXT("a")] }), { finishReason: "STOP_SEQUENCE" }]))).toEqual(["stop"]);
    expect(finishesOf(run([msg({ content: [TEXT("a")] }), { finishReason: "MAX_TOKENS" }]))).toEqual(["length"]);
    const m = new CohereV2StreamMapper(ANSWER_ID);
    expect(upstreamError(() => m.push({ finishReason: "ERROR", errorMessage: "x" })).failure).toBe("bad_response");
  });

  test("events after the finish are ignored; end() without a finish throws", () => {
    const m = new CohereV2StreamMapper(ANSWER_ID);
    m.push(msg({ content: [TEXT("a")] }));
    m.push({ finishReason: "COMPLETE" });
    expect(m.push(msg({ content: [TEXT("late")] }))).toEqual([]);
    expect(m.end()).toEqual([]);
    const n = new CohereV2StreamMapper(ANSWER_ID);
    n.push(msg({ content: [TEXT("a")] }));
    expect(upstreamError(() => n.end()).failure).toBe("bad_response");
  });
});

describe("COHEREV2: the newer fields and media parts", () => {
  test("web_search_options → 400; prediction, service_tier, metadata checked and left out", () => {
    expect(apiError(() => wire({ web_search_options: {} })).param).toBe("web_search_options");
    expect(wire({ prediction: { type: "content", content: "x" }, service_tier: "auto", metadata: { a: "b" } })).toEqual(
      {
        apiFormat: "COHEREV2",
        messages: [USER_HI],
        maxTokens: 2048,
        isStream: false,
      },
    );
    expect(apiError(() => wire({ service_tier: "scale" })).param).toBe("service_tier");
  });

  test("an inline image file becomes IMAGE_URL; a PDF or audio is refused by its place", () => {
    const body = wire({
      messages: msgs([
        { role: "user", content: [{ type: "file", file: { file_data: "data:image/png;base64,iVBO" } }] },
      ]),
    });
    expect(body.messages[0].content).toEqual([{ type: "IMAGE_URL", imageUrl: { url: "data:image/png;base64,iVBO" } }]);
    const pdf = apiError(() =>
      wire({
        messages: msgs([
          {
            role: "user",
            content: [
              { type: "text", text: "x" },
              { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=" } },
            ],
          },
        ]),
      }),
    );
    expect(pdf.param).toBe("messages[0].content[1]");
    expect(pdf.message).toContain("application/pdf");
    const audio = apiError(() =>
      wire({
        messages: msgs([
          { role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] },
        ]),
      }),
    );
    expect(audio.param).toBe("messages[0].content[0]");
    expect(audio.message).toContain("audio");
  });
});
