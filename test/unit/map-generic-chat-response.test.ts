/**
 * OCI GENERIC ChatResult → the chat core's answer (docs/oci-wire.md; src/chat/formats/map-generic-chat-response.ts),
 * and that answer as the OpenAI family's chat.completion (src/families/openai/chat-completion.ts).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { mapGenericChatResponse, mapLogprobs } from "../../src/chat/formats/map-generic-chat-response";
import { mapUsage } from "../../src/chat/formats/map-usage";
import { toChatCompletion } from "../../src/families/openai/chat-completion";
import { openAiUsage } from "../../src/families/openai/usage";
import * as answers from "../support/rendered-answers";
import { upstreamError } from "../support/throws";

const FIXTURES = join(import.meta.dir, "..", "fixtures", "oci");
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), "utf8"));
const META = { id: "chatcmpl-abc", created: 1_700_000_000, model: "llama" };
/** The OpenAI message of the first choice, as the OpenAI family renders the answer. */
const rendered = (body: unknown) => toChatCompletion(mapGenericChatResponse(body), META).choices[0]!;

const result = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  modelId: "m",
  modelVersion: "1",
  chatResponse: { apiFormat: "GENERIC", choices: [{ index: 0, ...choice }], ...extra },
});

const JOKE = "Why did the scarecrow win an award? Because he was outstanding in his field.";

describe("mapGenericChatResponse", () => {
  test("the recorded text answer maps exactly", () => {
    expect(mapGenericChatResponse(fixture("generic-text.json"))).toEqual({
      choices: [{ index: 0, text: JOKE, toolCalls: [], finishReason: "stop" }],
      usage: { inputTokens: 43, outputTokens: 17, totalTokens: 60 },
    });
  });

  test("the recorded text answer renders as this exact chat.completion", () => {
    expect(toChatCompletion(mapGenericChatResponse(fixture("generic-text.json")), META)).toEqual({
      id: "chatcmpl-abc",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "llama",
      choices: [{ index: 0, message: { role: "assistant", content: JOKE }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 43, completion_tokens: 17, total_tokens: 60 },
    });
  });

  test("a tool-call answer: no text, the calls with OCI's ids, finish tool_calls; rendered with content null", () => {
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
    const c = mapGenericChatResponse(body).choices[0]!;
    expect(c.text).toBeUndefined();
    expect(c.toolCalls).toEqual(answers.TWO_TOOL_CALLS);
    expect(c.finishReason).toBe("tool_calls");
    const r = rendered(body);
    expect(r.message).toEqual(answers.TWO_TOOL_CALLS_MESSAGE);
    expect(r.finish_reason).toBe("tool_calls");
  });

  test("tool calls with a null finishReason finish with tool_calls", () => {
    const body = result({
      message: { role: "ASSISTANT", toolCalls: [{ id: "c", type: "FUNCTION", name: "f", arguments: "{}" }] },
      finishReason: null,
    });
    expect(mapGenericChatResponse(body).choices[0]!.finishReason).toBe("tool_calls");
  });

  test("tool calls with finishReason length keep length", () => {
    const body = result({
      message: { role: "ASSISTANT", toolCalls: [{ id: "c", type: "FUNCTION", name: "f", arguments: "{" }] },
      finishReason: "length",
    });
    expect(mapGenericChatResponse(body).choices[0]!.finishReason).toBe("length");
  });

  test("a tool call without an id gets a stable synthetic id", () => {
    const body = result({
      message: { role: "ASSISTANT", toolCalls: [{ type: "FUNCTION", name: "f", arguments: "{}" }] },
      finishReason: "tool_calls",
    });
    expect(mapGenericChatResponse(body).choices[0]!.toolCalls[0]!.id).toBe("call_0");
    expect(mapGenericChatResponse(body).choices[0]!.toolCalls[0]!.id).toBe("call_0");
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
    const c = mapGenericChatResponse(body).choices[0]!;
    expect(c.text).toBe("ab");
    expect(c.finishReason).toBe("length");
  });

  test("no content and no tool calls → no text, rendered as empty string content", () => {
    const body = result({ message: { role: "ASSISTANT" }, finishReason: "stop" });
    const c = mapGenericChatResponse(body).choices[0]!;
    expect(c.text ?? "").toBe("");
    expect(c.toolCalls).toEqual([]);
    expect(rendered(body).message).toEqual({ role: "assistant", content: "" });
  });

  test("reasoning and refusal are passed through (rendered as reasoning_content and refusal)", () => {
    const body = result({
      message: {
        role: "ASSISTANT",
        content: [{ type: "TEXT", text: "42" }],
        reasoningContent: "thinking...",
        refusal: "no",
      },
      finishReason: "stop",
    });
    expect(mapGenericChatResponse(body).choices[0]).toEqual({
      index: 0,
      text: "42",
      reasoning: "thinking...",
      refusal: "no",
      toolCalls: [],
      finishReason: "stop",
    });
    expect(rendered(body).message).toEqual(answers.REASONED_MESSAGE);
  });

  test("logprobs of a choice are kept per token (rendered as {content: [...]}); none → rendered null", () => {
    const body = result({
      message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "Hi" }] },
      finishReason: "stop",
      logprobs: { tokens: ["Hi"], tokenLogprobs: [-0.5], topLogprobs: [{ Hi: -0.5 }] },
    });
    const tokens = answers.hiLogprobs(-0.5);
    expect(mapGenericChatResponse(body).choices[0]!.logprobs).toEqual(tokens);
    expect(rendered(body).logprobs).toEqual({ content: tokens });
    const none = result({ message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "Hi" }] } });
    expect(mapGenericChatResponse(none).choices[0]).not.toHaveProperty("logprobs");
    expect(rendered(none).logprobs).toBeNull();
  });

  test("usage details from an OpenAI model (rendered as prompt_tokens_details and completion_tokens_details)", () => {
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
    const u = mapGenericChatResponse(body).usage;
    expect(u).toEqual(answers.DETAILED_USAGE);
    expect(openAiUsage(u)).toEqual(answers.DETAILED_USAGE_RENDERED);
  });

  test("the tier OCI says served the answer → service_tier in OpenAI's lower case; none → no key", () => {
    const ok = { message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "x" }] }, finishReason: "stop" };
    const answer = mapGenericChatResponse(result(ok, { serviceTier: "PRIORITY" }));
    expect(answer.serviceTier).toBe("priority");
    expect(toChatCompletion(answer, META).service_tier).toBe("priority");
    expect(toChatCompletion(mapGenericChatResponse(result(ok)), META)).not.toHaveProperty("service_tier");
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
    const out = mapGenericChatResponse(body);
    expect(out.choices.map((c) => [c.index, c.text, c.finishReason])).toEqual([
      [0, "a", "stop"],
      [1, "b", "length"],
    ]);
    expect(out.usage).toBeUndefined();
    expect(toChatCompletion(out, META).choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, "a", "stop"],
      [1, "b", "length"],
    ]);
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
    expect(upstreamError(() => mapGenericChatResponse(body)).failure).toBe("bad_response");
  });
});

describe("mapLogprobs", () => {
  test("OCI's column-wise logprobs → one entry per token, with bytes and top alternatives", () => {
    expect(
      mapLogprobs({ tokens: ["Hi", "é"], tokenLogprobs: [-0.1, -2], topLogprobs: [{ Hi: -0.1, Hello: -3 }, {}] }),
    ).toEqual([
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
    ]);
  });

  test("empty or missing logprobs → undefined", () => {
    expect(mapLogprobs({})).toBeUndefined();
    expect(mapLogprobs(undefined)).toBeUndefined();
    expect(mapLogprobs({ tokens: [] })).toBeUndefined();
  });
});

describe("mapUsage", () => {
  test("OCI's counts as input, output and total tokens; total defaults to the sum; nothing → undefined", () => {
    expect(mapUsage({ promptTokens: 3, completionTokens: 4 })).toEqual({
      inputTokens: 3,
      outputTokens: 4,
      totalTokens: 7,
    });
    expect(mapUsage({ promptTokens: 3, completionTokens: 4, totalTokens: 9 })!.totalTokens).toBe(9);
    expect(mapUsage(undefined)).toBeUndefined();
    expect(mapUsage(null)).toBeUndefined();
  });

  test("details OCI did not send stay absent", () => {
    const u = mapUsage({ promptTokens: 1, completionTokens: 1, promptTokensDetails: {}, completionTokensDetails: {} });
    expect(u).toEqual({ inputTokens: 1, outputTokens: 1, totalTokens: 2 });
    expect(Object.keys(u!).sort()).toEqual(["inputTokens", "outputTokens", "totalTokens"]);
  });
});
