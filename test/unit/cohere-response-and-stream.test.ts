/**
 * OCI COHERE answers → the chat core's answer and events (docs/oci-wire.md;
 * src/chat/formats/map-cohere-chat-response.ts, cohere-stream-mapper.ts), and how the OpenAI family
 * renders them (src/families/openai/chat-completion.ts).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CohereStreamMapper } from "../../src/chat/formats/cohere-stream-mapper";
import { mapCohereChatResponse } from "../../src/chat/formats/map-cohere-chat-response";
import { syntheticToolCallId } from "../../src/chat/formats/synthetic-tool-call-id";
import type { ChatEvent, FinishReason } from "../../src/chat/types";
import { toChatCompletion } from "../../src/families/openai/chat-completion";
import { chatEvents } from "../support/chat-events";
import { readFixtureEvents } from "../support/fake-oci";
import { toolCallsOnly } from "../support/rendered-answers";
import { assembleToolCalls, finishesOf, renderChunks, runStreamMapper, textOf } from "../support/run-stream-mapper";
import { upstreamError } from "../support/throws";

const FIXTURES = join(import.meta.dir, "..", "fixtures", "oci");
const ANSWER_ID = "c1";
const META = { id: "chatcmpl-c1", created: 1_700_000_456, model: "cohere-alias" };

const events = readFixtureEvents;

const run = (evs: unknown[]): ChatEvent[] => runStreamMapper(new CohereStreamMapper(ANSWER_ID), evs);

const { text, finish, usage } = chatEvents;
const toolCall = (index: number, name: string, args: string, id = syntheticToolCallId(index, name, args)) =>
  chatEvents.toolCall(index, id, name, args);

const base: any = { id: META.id, object: "chat.completion.chunk", created: META.created, model: META.model };
const delta = (d: Record<string, unknown>, finishReason: string | null = null): any => ({
  ...base,
  choices: [{ index: 0, delta: d, logprobs: null, finish_reason: finishReason }],
});
const body = (chatResponse: Record<string, unknown>) => ({
  modelId: "cohere.command-a-03-2025",
  modelVersion: "1.0",
  chatResponse: { apiFormat: "COHERE", ...chatResponse },
});
const MUNICH_ID = syntheticToolCallId(0, "getWeather", '{"city":"Munich"}');
const PENGUIN = "Why did the penguin cross the road? To get to the other side.";

describe("mapCohereChatResponse", () => {
  test("the recorded answer (cohere-text.json) maps exactly", () => {
    const fixture = JSON.parse(readFileSync(join(FIXTURES, "cohere-text.json"), "utf8"));
    expect(mapCohereChatResponse(fixture)).toEqual({
      choices: [{ index: 0, text: PENGUIN, toolCalls: [], finishReason: "stop" }],
      usage: { inputTokens: 22, outputTokens: 15, totalTokens: 37 },
    });
  });

  test("the recorded answer renders as this exact chat.completion", () => {
    const fixture = JSON.parse(readFileSync(join(FIXTURES, "cohere-text.json"), "utf8"));
    expect(toChatCompletion(mapCohereChatResponse(fixture), META)).toEqual({
      id: META.id,
      object: "chat.completion",
      created: META.created,
      model: META.model,
      choices: [{ index: 0, message: { role: "assistant", content: PENGUIN }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 22, completion_tokens: 15, total_tokens: 37 },
    });
  });

  test("tool calls get synthetic stable ids, no text (content null), finish reason tool_calls", () => {
    const res = mapCohereChatResponse(
      body({
        text: "",
        finishReason: "COMPLETE",
        toolCalls: [
          { name: "getWeather", parameters: { city: "Munich" } },
          { name: "getTime", parameters: {} },
        ],
      }),
    );
    const expected = toolCallsOnly([
      { id: MUNICH_ID, name: "getWeather", arguments: '{"city":"Munich"}' },
      { id: syntheticToolCallId(1, "getTime", "{}"), name: "getTime", arguments: "{}" },
    ]);
    expect(res.choices).toEqual([expected.choice]);
    expect(res.choices[0]!.text).toBeUndefined();
    expect(res.usage).toBeUndefined();
    expect(toChatCompletion(res, META).choices).toEqual([expected.rendered]);
    // Same answer twice → same ids (a client sends them back with its tool results).
    const again = mapCohereChatResponse(
      body({ text: "", finishReason: "COMPLETE", toolCalls: [{ name: "getWeather", parameters: { city: "Munich" } }] }),
    );
    expect(again.choices[0]!.toolCalls[0]!.id).toBe(MUNICH_ID);
  });

  test("text next to tool calls is kept as the text (rendered as content)", () => {
    const res = mapCohereChatResponse(
      body({
        text: "I will look it up.",
        finishReason: "COMPLETE",
        toolCalls: [{ name: "getWeather", parameters: { city: "Munich" } }],
      }),
    );
    expect(res.choices[0]!.text).toBe("I will look it up.");
    expect(res.choices[0]!.toolCalls).toEqual([{ id: MUNICH_ID, name: "getWeather", arguments: '{"city":"Munich"}' }]);
    expect(res.choices[0]!.finishReason).toBe("tool_calls");
    expect(toChatCompletion(res, META).choices[0]!.message).toEqual({
      role: "assistant",
      content: "I will look it up.",
      tool_calls: [
        { id: MUNICH_ID, type: "function", function: { name: "getWeather", arguments: '{"city":"Munich"}' } },
      ],
    });
  });

  test("a tool call without parameters gets arguments {}", () => {
    const res = mapCohereChatResponse(body({ finishReason: "COMPLETE", toolCalls: [{ name: "now" }] }));
    expect(res.choices[0]!.toolCalls).toEqual([
      { id: syntheticToolCallId(0, "now", "{}"), name: "now", arguments: "{}" },
    ]);
  });

  const reasons: Array<[unknown, FinishReason]> = [
    ["COMPLETE", "stop"],
    ["MAX_TOKENS", "length"],
    ["ERROR_TOXIC", "content_filter"],
    ["ERROR_LIMIT", "length"],
    ["USER_CANCEL", "stop"],
    [null, "stop"],
  ];
  for (const [reason, expected] of reasons) {
    test(`finishReason ${String(reason)} → ${expected}`, () => {
      const res = mapCohereChatResponse(body({ text: "x", finishReason: reason }));
      expect(res.choices[0]!.finishReason).toBe(expected);
      expect(res.choices[0]!.text).toBe("x");
    });
  }

  test("finishReason ERROR → UpstreamError bad_response carrying OCI's message", () => {
    const e = upstreamError(() =>
      mapCohereChatResponse(body({ text: "", finishReason: "ERROR", errorMessage: "model overloaded" })),
    );
    expect(e.failure).toBe("bad_response");
    expect(e.message).toContain("model overloaded");
  });

  test("a non-COHERE or missing chatResponse → bad_response", () => {
    expect(
      upstreamError(() => mapCohereChatResponse({ chatResponse: { apiFormat: "GENERIC", choices: [] } })).failure,
    ).toBe("bad_response");
    expect(upstreamError(() => mapCohereChatResponse({ modelId: "x" })).failure).toBe("bad_response");
    expect(upstreamError(() => mapCohereChatResponse("nope")).failure).toBe("bad_response");
  });

  test("a malformed tool call → bad_response", () => {
    expect(
      upstreamError(() => mapCohereChatResponse(body({ finishReason: "COMPLETE", toolCalls: [{ parameters: {} }] })))
        .failure,
    ).toBe("bad_response");
    expect(
      upstreamError(() => mapCohereChatResponse(body({ finishReason: "COMPLETE", toolCalls: { name: "x" } }))).failure,
    ).toBe("bad_response");
  });
});

describe("CohereStreamMapper: cohere-text.chunks.txt", () => {
  const evs = events("cohere-text.chunks.txt");
  const full = evs.at(-1).text as string;
  const words = [
    "Why",
    " did",
    " the",
    " penguin",
    " cross",
    " the",
    " road",
    "?",
    " To",
    " get",
    " to",
    " the",
    " other",
    " side",
    ".",
  ];

  test("exact events: one text per text event, the finish, the usage", () => {
    expect(run(evs)).toEqual([...words.map((w) => text(w)), finish("stop"), usage(22, 15, 37)]);
  });

  test("rendered for OpenAI with include_usage: role chunk, one delta per text event, finish chunk, usage chunk", () => {
    expect(renderChunks(run(evs), META, true)).toEqual([
      delta({ role: "assistant", content: "" }),
      ...words.map((w) => delta({ content: w })),
      delta({}, "stop"),
      { ...base, choices: [], usage: { prompt_tokens: 22, completion_tokens: 15, total_tokens: 37 } },
    ]);
  });

  test("text events concatenate to the final event's full text exactly once (the final text is not repeated)", () => {
    expect(full).toBe(PENGUIN);
    expect(textOf(run(evs))).toBe(full);
  });

  test("the streamed text equals the non-streamed answer's", () => {
    const fixture = JSON.parse(readFileSync(join(FIXTURES, "cohere-text.json"), "utf8"));
    expect(textOf(run(evs))).toBe(fixture.chatResponse.text);
  });

  test("the mapper knows the usage and end() reports it; rendered without include_usage there is no usage chunk", () => {
    const m = new CohereStreamMapper(ANSWER_ID);
    const out: ChatEvent[] = [];
    for (const e of evs) out.push(...m.push(e));
    expect(m.usage).toEqual({ inputTokens: 22, outputTokens: 15, totalTokens: 37 });
    out.push(...m.end());
    expect(out.at(-1)).toEqual(usage(22, 15, 37));
    const chunks = renderChunks(out, META, false);
    expect(chunks.some((c) => c.usage !== undefined)).toBe(false);
    expect(chunks.at(-1)).toEqual(delta({}, "stop"));
  });

  test("each push returns only what that event adds", () => {
    const m = new CohereStreamMapper(ANSWER_ID);
    expect(m.push(evs[0])).toEqual([text("Why")]);
    expect(m.push(evs[1])).toEqual([text(" did")]);
  });

  test("events after the finish event are ignored", () => {
    const m = new CohereStreamMapper(ANSWER_ID);
    for (const e of evs) m.push(e);
    expect(m.push({ apiFormat: "COHERE", text: "late" })).toEqual([]);
    expect(m.push({ apiFormat: "COHERE", toolCalls: [{ name: "x", parameters: {} }] })).toEqual([]);
    expect(m.push(evs.at(-1))).toEqual([]);
    expect(m.end()).toEqual([usage(22, 15, 37)]);
  });

  test("end() without a finish event throws bad_response", () => {
    const m = new CohereStreamMapper(ANSWER_ID);
    for (const e of evs.slice(0, -1)) m.push(e);
    const e = upstreamError(() => m.end());
    expect(e.failure).toBe("bad_response");
  });
});

describe("CohereStreamMapper: cohere-tool-call.chunks.txt", () => {
  const evs = events("cohere-tool-call.chunks.txt");
  const words = ["I", " will", " look", " up", " the", " weather", " in", " Munich", "."];

  test("exact events: text, the tool call once (not repeated by the final event), finish tool_calls, usage", () => {
    expect(run(evs)).toEqual([
      ...words.map((w) => text(w)),
      toolCall(0, "getWeather", '{"city":"Munich"}', MUNICH_ID),
      finish("tool_calls"),
      usage(64, 21, 85),
    ]);
  });

  test("rendered for OpenAI: text deltas, one whole tool_calls delta, finish tool_calls, usage chunk", () => {
    expect(renderChunks(run(evs), META, true)).toEqual([
      delta({ role: "assistant", content: "" }),
      ...words.map((w) => delta({ content: w })),
      delta({
        tool_calls: [
          {
            index: 0,
            id: MUNICH_ID,
            type: "function",
            function: { name: "getWeather", arguments: '{"city":"Munich"}' },
          },
        ],
      }),
      delta({}, "tool_calls"),
      { ...base, choices: [], usage: { prompt_tokens: 64, completion_tokens: 21, total_tokens: 85 } },
    ]);
  });

  test("the streamed tool call has the same id as the non-streamed answer's", () => {
    const last = evs.at(-1);
    const nonStream = mapCohereChatResponse(
      body({ text: last.text, finishReason: last.finishReason, toolCalls: last.toolCalls }),
    );
    const streamed = assembleToolCalls(run(evs));
    expect(streamed.map((c) => c.id)).toEqual(nonStream.choices[0]!.toolCalls.map((c) => c.id));
    expect(streamed).toEqual(nonStream.choices[0]!.toolCalls);
  });

  test("text events concatenate to the final text exactly once", () => {
    expect(textOf(run(evs))).toBe("I will look up the weather in Munich.");
  });
});

describe("CohereStreamMapper: synthetic streams", () => {
  const final = (extra: Record<string, unknown>) => ({ apiFormat: "COHERE", finishReason: "COMPLETE", ...extra });

  test("several tool calls over several events: indices 0..n-1 with distinct ids, the final repeat is not re-sent", () => {
    const a = { name: "getWeather", parameters: { city: "Munich" } };
    const b = { name: "getWeather", parameters: { city: "Paris" } };
    const c = { name: "getTime", parameters: { tz: "CET" } };
    const out = run([
      { apiFormat: "COHERE", toolCalls: [a, b] },
      { apiFormat: "COHERE", toolCalls: [c] },
      final({ text: "", toolCalls: [a, b, c] }),
    ]);
    expect(out).toEqual([
      toolCall(0, "getWeather", '{"city":"Munich"}', MUNICH_ID),
      toolCall(1, "getWeather", '{"city":"Paris"}'),
      toolCall(2, "getTime", '{"tz":"CET"}'),
      finish("tool_calls"),
    ]);
    expect(new Set(assembleToolCalls(out).map((t) => t.id)).size).toBe(3);
  });

  test("tool calls that arrive only on the final event are sent once, before the finish", () => {
    const out = run([final({ text: "", toolCalls: [{ name: "getWeather", parameters: { city: "Munich" } }] })]);
    expect(out).toEqual([toolCall(0, "getWeather", '{"city":"Munich"}', MUNICH_ID), finish("tool_calls")]);
  });

  test("finish reasons: MAX_TOKENS → length, ERROR_TOXIC → content_filter", () => {
    expect(finishesOf(run([{ text: "a" }, final({ text: "a", finishReason: "MAX_TOKENS" })]))).toEqual(["length"]);
    expect(finishesOf(run([{ text: "a" }, final({ text: "a", finishReason: "ERROR_TOXIC" })]))).toEqual([
      "content_filter",
    ]);
  });

  test("finishReason null on the final event (stop sequence hit) → stop, text not repeated", () => {
    const out = run([
      { apiFormat: "COHERE", text: "one" },
      { apiFormat: "COHERE", text: " two" },
      {
        apiFormat: "COHERE",
        text: "one two",
        finishReason: null,
        chatHistory: [],
        usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 },
      },
    ]);
    expect(out).toEqual([text("one"), text(" two"), finish("stop"), usage(3, 2, 5)]);
  });

  test("finishReason ERROR → UpstreamError bad_response", () => {
    const m = new CohereStreamMapper(ANSWER_ID);
    m.push({ apiFormat: "COHERE", text: "partial" });
    const e = upstreamError(() => m.push(final({ text: "partial", finishReason: "ERROR", errorMessage: "boom" })));
    expect(e.failure).toBe("bad_response");
    expect(e.message).toContain("boom");
  });

  test("an event that is not an object → bad_response", () => {
    const m = new CohereStreamMapper(ANSWER_ID);
    expect(upstreamError(() => m.push("data")).failure).toBe("bad_response");
  });

  test("empty text events produce no event", () => {
    const m = new CohereStreamMapper(ANSWER_ID);
    expect(m.push({ apiFormat: "COHERE", text: "" })).toEqual([]);
  });

  test("a final event whose text was never streamed as deltas still delivers that text, once", () => {
    // Deltas must concatenate to the final event's full text. When OCI sends no delta before
    // the final event, the final text is not a repeat and has to reach the client.
    const out = run([final({ text: "Hello there.", usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 } })]);
    expect(textOf(out)).toBe("Hello there.");
    expect(out).toEqual([text("Hello there."), finish("stop"), usage(1, 2, 3)]);
  });
});
