/** OCI GENERIC ChatResult → OpenAI chat.completion (CONTRACT §4, OCI-WIRE §2.3; src/openai/map-generic-chat-response.ts). */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { mapGenericChatResponse, mapLogprobs } from "../../src/chat/formats/map-generic-chat-response";
import { mapUsage } from "../../src/chat/formats/map-usage";
import { UpstreamError } from "../../src/errors/upstream-error";

const FIXTURES = join(import.meta.dir, "..", "fixtures", "oci");
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), "utf8"));
const META = { id: "chatcmpl-abc", created: 1_700_000_000, model: "llama" };

const result = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  modelId: "m",
  modelVersion: "1",
  chatResponse: { apiFormat: "GENERIC", choices: [{ index: 0, ...choice }], ...extra },
});
function upstream(fn: () => unknown): UpstreamError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UpstreamError);
    return e as UpstreamError;
  }
  throw new Error("expected an UpstreamError");
}

describe("mapGenericChatResponse", () => {
  test("the recorded text answer maps exactly", () => {
    expect(mapGenericChatResponse(fixture("generic-text.json"), META)).toEqual({
      id: "chatcmpl-abc",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "llama",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "Why did the scarecrow win an award? Because he was outstanding in his field.",
          },
          logprobs: null,
          finish_reason: "stop",
        },
      ],
      usage: { prompt_tokens: 43, completion_tokens: 17, total_tokens: 60 },
    });
  });

  test("a tool-call answer: content null, tool_calls in OpenAI shape, finish tool_calls", () => {
    const body = result({
      message: {
        role: "ASSISTANT",
        toolCalls: [
          { id: "call_1", type: "FUNCTION", name: "get_weather", arguments: '{"city":"Paris"}' },
          { id: "call_2", type: "FUNCTION", name: "get_time" },
        ],
      },
      finishReason: "tool_calls",
    });
    const c = mapGenericChatResponse(body, META).choices[0]!;
    expect(c.message).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [
        { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        { id: "call_2", type: "function", function: { name: "get_time", arguments: "{}" } },
      ],
    });
    expect(c.finish_reason).toBe("tool_calls");
  });

  test("tool calls with a null finishReason finish with tool_calls", () => {
    const body = result({
      message: { role: "ASSISTANT", toolCalls: [{ id: "c", type: "FUNCTION", name: "f", arguments: "{}" }] },
      finishReason: null,
    });
    expect(mapGenericChatResponse(body, META).choices[0]!.finish_reason).toBe("tool_calls");
  });

  test("a tool call without an id gets a stable synthetic id", () => {
    const body = result({
      message: { role: "ASSISTANT", toolCalls: [{ type: "FUNCTION", name: "f", arguments: "{}" }] },
      finishReason: "tool_calls",
    });
    expect(mapGenericChatResponse(body, META).choices[0]!.message.tool_calls![0]!.id).toBe("call_0");
  });

  test("multiple TEXT parts are concatenated; other parts ignored", () => {
    const body = result({
      message: {
        role: "ASSISTANT",
        content: [
          { type: "TEXT", text: "a" },
          { type: "IMAGE", imageUrl: { url: "x" } },
          { type: "TEXT", text: "b" },
        ],
      },
      finishReason: "length",
    });
    const c = mapGenericChatResponse(body, META).choices[0]!;
    expect(c.message.content).toBe("ab");
    expect(c.finish_reason).toBe("length");
  });

  test("no content and no tool calls → empty string content", () => {
    expect(
      mapGenericChatResponse(result({ message: { role: "ASSISTANT" }, finishReason: "stop" }), META).choices[0]!.message
        .content,
    ).toBe("");
  });

  test("reasoning_content and refusal are passed through", () => {
    const body = result({
      message: {
        role: "ASSISTANT",
        content: [{ type: "TEXT", text: "42" }],
        reasoningContent: "thinking...",
        refusal: "no",
      },
      finishReason: "stop",
    });
    expect(mapGenericChatResponse(body, META).choices[0]!.message).toEqual({
      role: "assistant",
      content: "42",
      reasoning_content: "thinking...",
      refusal: "no",
    });
  });

  test("usage details from an OpenAI model", () => {
    const body = result(
      { message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "x" }], annotations: [] }, finishReason: "stop" },
      {
        serviceTier: "DEFAULT",
        usage: {
          completionTokens: 50,
          promptTokens: 10,
          totalTokens: 60,
          completionTokensDetails: { acceptedPredictionTokens: 0, reasoningTokens: 40 },
          promptTokensDetails: { cachedTokens: 4 },
        },
      },
    );
    expect(mapGenericChatResponse(body, META).usage).toEqual({
      prompt_tokens: 10,
      completion_tokens: 50,
      total_tokens: 60,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 40, accepted_prediction_tokens: 0 },
    });
  });

  test("several choices keep their index", () => {
    const body = {
      chatResponse: {
        apiFormat: "GENERIC",
        choices: [
          { index: 0, message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "a" }] }, finishReason: "stop" },
          { index: 1, message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "b" }] }, finishReason: "length" },
        ],
      },
    };
    const out = mapGenericChatResponse(body, META);
    expect(out.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, "a", "stop"],
      [1, "b", "length"],
    ]);
    expect(out.usage).toBeUndefined();
  });

  test.each([
    ["not an object", "nope"],
    ["no chatResponse", { modelId: "m" }],
    ["COHERE body", { chatResponse: { apiFormat: "COHERE", text: "x" } }],
    ["empty choices", { chatResponse: { apiFormat: "GENERIC", choices: [] } }],
    ["choices not an array", { chatResponse: { apiFormat: "GENERIC", choices: {} } }],
    ["choice without message", { chatResponse: { apiFormat: "GENERIC", choices: [{ finishReason: "stop" }] } }],
    ["toolCalls not an array", result({ message: { role: "ASSISTANT", toolCalls: "x" } })],
    ["tool call without name", result({ message: { role: "ASSISTANT", toolCalls: [{ id: "c", arguments: "{}" }] } })],
  ])("%s → UpstreamError bad_response", (_what, body) => {
    expect(upstream(() => mapGenericChatResponse(body, META)).failure).toBe("bad_response");
  });
});

describe("mapLogprobs", () => {
  test("OCI's column-wise logprobs → OpenAI's per-token list", () => {
    expect(
      mapLogprobs({ tokens: ["Hi", "é"], tokenLogprobs: [-0.1, -2], topLogprobs: [{ Hi: -0.1, Hello: -3 }, {}] }),
    ).toEqual({
      content: [
        {
          token: "Hi",
          logprob: -0.1,
          bytes: [72, 105],
          top_logprobs: [
            { token: "Hi", logprob: -0.1, bytes: [72, 105] },
            { token: "Hello", logprob: -3, bytes: [72, 101, 108, 108, 111] },
          ],
        },
        { token: "é", logprob: -2, bytes: [0xc3, 0xa9], top_logprobs: [] },
      ],
    });
  });

  test("empty or missing logprobs → null", () => {
    expect(mapLogprobs({})).toBeNull();
    expect(mapLogprobs(undefined)).toBeNull();
    expect(mapLogprobs({ tokens: [] })).toBeNull();
  });
});

describe("mapUsage", () => {
  test("total defaults to the sum; nothing → undefined", () => {
    expect(mapUsage({ promptTokens: 3, completionTokens: 4 })).toEqual({
      prompt_tokens: 3,
      completion_tokens: 4,
      total_tokens: 7,
    });
    expect(mapUsage(undefined)).toBeUndefined();
    expect(mapUsage(null)).toBeUndefined();
  });
});
