/**
 * OCI COHERE answers → OpenAI chat.completion and chunks (CONTRACT §4, OCI-WIRE §2.5/§3.3;
 * src/openai/map-cohere-chat-response.ts, cohere-stream-mapper.ts).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CohereStreamMapper } from "../../src/chat/formats/cohere-stream-mapper";
import { mapCohereChatResponse } from "../../src/chat/formats/map-cohere-chat-response";
import { syntheticToolCallId } from "../../src/chat/formats/synthetic-tool-call-id";
import type { ChatCompletionChunk } from "../../src/families/openai/types";
import { readFixtureEvents } from "../support/fake-oci";
import { runStreamMapper } from "../support/run-stream-mapper";
import { upstreamError } from "../support/throws";

const FIXTURES = join(import.meta.dir, "..", "fixtures", "oci");
const META = { id: "chatcmpl-c1", created: 1_700_000_456, model: "cohere-alias" };

const events = readFixtureEvents;

const run = (evs: unknown[], includeUsage: boolean): ChatCompletionChunk[] =>
  runStreamMapper(new CohereStreamMapper(META, includeUsage), evs);

const text = (chunks: ChatCompletionChunk[]) =>
  chunks
    .flatMap((c) => c.choices)
    .map((c) => c.delta.content ?? "")
    .join("");

const base: any = { id: META.id, object: "chat.completion.chunk", created: META.created, model: META.model };
const delta = (d: Record<string, unknown>, finish: string | null = null): any => ({
  ...base,
  choices: [{ index: 0, delta: d, logprobs: null, finish_reason: finish }],
});
const body = (chatResponse: Record<string, unknown>) => ({
  modelId: "cohere.command-a-03-2025",
  modelVersion: "1.0",
  chatResponse: { apiFormat: "COHERE", ...chatResponse },
});
const MUNICH_ID = syntheticToolCallId(0, "getWeather", '{"city":"Munich"}');

describe("mapCohereChatResponse", () => {
  test("the recorded answer (cohere-text.json) maps exactly", () => {
    const fixture = JSON.parse(readFileSync(join(FIXTURES, "cohere-text.json"), "utf8"));
    expect(mapCohereChatResponse(fixture, META)).toEqual({
      id: META.id,
      object: "chat.completion",
      created: META.created,
      model: META.model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "Why did the penguin cross the road? To get to the other side." },
          logprobs: null,
          finish_reason: "stop",
        },
      ],
      usage: { prompt_tokens: 22, completion_tokens: 15, total_tokens: 37 },
    });
  });

  test("tool calls get synthetic stable ids, content null, finish_reason tool_calls", () => {
    const res = mapCohereChatResponse(
      body({
        text: "",
        finishReason: "COMPLETE",
        toolCalls: [
          { name: "getWeather", parameters: { city: "Munich" } },
          { name: "getTime", parameters: {} },
        ],
      }),
      META,
    );
    expect(res.choices).toEqual([
      {
        index: 0,
        message: {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: MUNICH_ID, type: "function", function: { name: "getWeather", arguments: '{"city":"Munich"}' } },
            {
              id: syntheticToolCallId(1, "getTime", "{}"),
              type: "function",
              function: { name: "getTime", arguments: "{}" },
            },
          ],
        },
        logprobs: null,
        finish_reason: "tool_calls",
      },
    ]);
    expect(res.usage).toBeUndefined();
    // Same answer twice → same ids (a client sends them back with its tool results).
    const again = mapCohereChatResponse(
      body({ text: "", finishReason: "COMPLETE", toolCalls: [{ name: "getWeather", parameters: { city: "Munich" } }] }),
      META,
    );
    expect(again.choices[0]!.message.tool_calls![0]!.id).toBe(MUNICH_ID);
  });

  test("text next to tool calls is kept as content", () => {
    const res = mapCohereChatResponse(
      body({
        text: "I will look it up.",
        finishReason: "COMPLETE",
        toolCalls: [{ name: "getWeather", parameters: { city: "Munich" } }],
      }),
      META,
    );
    expect(res.choices[0]!.message).toEqual({
      role: "assistant",
      content: "I will look it up.",
      tool_calls: [
        { id: MUNICH_ID, type: "function", function: { name: "getWeather", arguments: '{"city":"Munich"}' } },
      ],
    });
    expect(res.choices[0]!.finish_reason).toBe("tool_calls");
  });

  test("a tool call without parameters gets arguments {}", () => {
    const res = mapCohereChatResponse(body({ finishReason: "COMPLETE", toolCalls: [{ name: "now" }] }), META);
    expect(res.choices[0]!.message.tool_calls).toEqual([
      { id: syntheticToolCallId(0, "now", "{}"), type: "function", function: { name: "now", arguments: "{}" } },
    ]);
  });

  const reasons: Array<[unknown, string]> = [
    ["COMPLETE", "stop"],
    ["MAX_TOKENS", "length"],
    ["ERROR_TOXIC", "content_filter"],
    ["ERROR_LIMIT", "length"],
    ["USER_CANCEL", "stop"],
    [null, "stop"],
  ];
  for (const [reason, expected] of reasons) {
    test(`finishReason ${String(reason)} → ${expected}`, () => {
      const res = mapCohereChatResponse(body({ text: "x", finishReason: reason }), META);
      expect(res.choices[0]!.finish_reason).toBe(expected as never);
      expect(res.choices[0]!.message.content).toBe("x");
    });
  }

  test("finishReason ERROR → UpstreamError bad_response carrying OCI's message", () => {
    const e = upstreamError(() =>
      mapCohereChatResponse(body({ text: "", finishReason: "ERROR", errorMessage: "model overloaded" }), META),
    );
    expect(e.failure).toBe("bad_response");
    expect(e.message).toContain("model overloaded");
  });

  test("a non-COHERE or missing chatResponse → bad_response", () => {
    expect(
      upstreamError(() => mapCohereChatResponse({ chatResponse: { apiFormat: "GENERIC", choices: [] } }, META)).failure,
    ).toBe("bad_response");
    expect(upstreamError(() => mapCohereChatResponse({ modelId: "x" }, META)).failure).toBe("bad_response");
    expect(upstreamError(() => mapCohereChatResponse("nope", META)).failure).toBe("bad_response");
  });

  test("a malformed tool call → bad_response", () => {
    expect(
      upstreamError(() =>
        mapCohereChatResponse(body({ finishReason: "COMPLETE", toolCalls: [{ parameters: {} }] }), META),
      ).failure,
    ).toBe("bad_response");
    expect(
      upstreamError(() => mapCohereChatResponse(body({ finishReason: "COMPLETE", toolCalls: { name: "x" } }), META))
        .failure,
    ).toBe("bad_response");
  });
});

describe("CohereStreamMapper: cohere-text.chunks.txt", () => {
  const evs = events("cohere-text.chunks.txt");
  const full = evs.at(-1).text as string;

  test("exact chunks: role, one delta per text event, finish, usage", () => {
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
    expect(run(evs, true)).toEqual([
      delta({ role: "assistant", content: "" }),
      ...words.map((w) => delta({ content: w })),
      delta({}, "stop"),
      { ...base, choices: [], usage: { prompt_tokens: 22, completion_tokens: 15, total_tokens: 37 } },
    ]);
  });

  test("deltas concatenate to the final event's full text exactly once (the final text is not repeated)", () => {
    expect(full).toBe("Why did the penguin cross the road? To get to the other side.");
    expect(text(run(evs, false))).toBe(full);
  });

  test("the streamed text equals the non-streamed answer's", () => {
    const fixture = JSON.parse(readFileSync(join(FIXTURES, "cohere-text.json"), "utf8"));
    expect(text(run(evs, false))).toBe(fixture.chatResponse.text);
  });

  test("no usage chunk without includeUsage, but the mapper still knows the usage", () => {
    const m = new CohereStreamMapper(META, false);
    const out = [m.start()];
    for (const e of evs) out.push(...m.push(e));
    out.push(...m.end());
    expect(out.some((c) => c.usage !== undefined)).toBe(false);
    expect(out.at(-1)).toEqual(delta({}, "stop"));
    expect(m.usage).toEqual({ prompt_tokens: 22, completion_tokens: 15, total_tokens: 37 });
  });

  test("each push returns only what that event adds", () => {
    const m = new CohereStreamMapper(META, true);
    m.start();
    expect(m.push(evs[0])).toEqual([delta({ content: "Why" })]);
    expect(m.push(evs[1])).toEqual([delta({ content: " did" })]);
  });

  test("events after the finish event are ignored", () => {
    const m = new CohereStreamMapper(META, true);
    m.start();
    for (const e of evs) m.push(e);
    expect(m.push({ apiFormat: "COHERE", text: "late" })).toEqual([]);
    expect(m.push({ apiFormat: "COHERE", toolCalls: [{ name: "x", parameters: {} }] })).toEqual([]);
    expect(m.push(evs.at(-1))).toEqual([]);
    expect(m.end()).toEqual([
      { ...base, choices: [], usage: { prompt_tokens: 22, completion_tokens: 15, total_tokens: 37 } },
    ]);
  });

  test("end() without a finish event throws bad_response", () => {
    const m = new CohereStreamMapper(META, true);
    m.start();
    for (const e of evs.slice(0, -1)) m.push(e);
    const e = upstreamError(() => m.end());
    expect(e.failure).toBe("bad_response");
  });
});

describe("CohereStreamMapper: cohere-tool-call.chunks.txt", () => {
  const evs = events("cohere-tool-call.chunks.txt");
  const call = {
    index: 0,
    id: MUNICH_ID,
    type: "function",
    function: { name: "getWeather", arguments: '{"city":"Munich"}' },
  };

  test("exact chunks: text deltas, the tool call once (not repeated by the final event), finish tool_calls, usage", () => {
    const words = ["I", " will", " look", " up", " the", " weather", " in", " Munich", "."];
    expect(run(evs, true)).toEqual([
      delta({ role: "assistant", content: "" }),
      ...words.map((w) => delta({ content: w })),
      delta({ tool_calls: [call] }),
      delta({}, "tool_calls"),
      { ...base, choices: [], usage: { prompt_tokens: 64, completion_tokens: 21, total_tokens: 85 } },
    ]);
  });

  test("the streamed tool call has the same id as the non-streamed answer's", () => {
    const last = evs.at(-1);
    const nonStream = mapCohereChatResponse(
      body({ text: last.text, finishReason: last.finishReason, toolCalls: last.toolCalls }),
      META,
    );
    const streamed = run(evs, false).flatMap((c) => c.choices.flatMap((ch) => ch.delta.tool_calls ?? []));
    expect(streamed.map((c) => c.id)).toEqual(nonStream.choices[0]!.message.tool_calls!.map((c) => c.id));
  });

  test("text deltas concatenate to the final text exactly once", () => {
    expect(text(run(evs, false))).toBe("I will look up the weather in Munich.");
  });
});

describe("CohereStreamMapper: synthetic streams", () => {
  const final = (extra: Record<string, unknown>) => ({ apiFormat: "COHERE", finishReason: "COMPLETE", ...extra });

  test("several tool calls over several events: indices 0..n-1 with distinct ids, the final repeat is not re-sent", () => {
    const a = { name: "getWeather", parameters: { city: "Munich" } };
    const b = { name: "getWeather", parameters: { city: "Paris" } };
    const c = { name: "getTime", parameters: { tz: "CET" } };
    const out = run(
      [
        { apiFormat: "COHERE", toolCalls: [a, b] },
        { apiFormat: "COHERE", toolCalls: [c] },
        final({ text: "", toolCalls: [a, b, c] }),
      ],
      false,
    );
    expect(out).toEqual([
      delta({ role: "assistant", content: "" }),
      delta({
        tool_calls: [
          {
            index: 0,
            id: MUNICH_ID,
            type: "function",
            function: { name: "getWeather", arguments: '{"city":"Munich"}' },
          },
          {
            index: 1,
            id: syntheticToolCallId(1, "getWeather", '{"city":"Paris"}'),
            type: "function",
            function: { name: "getWeather", arguments: '{"city":"Paris"}' },
          },
        ],
      }),
      delta({
        tool_calls: [
          {
            index: 2,
            id: syntheticToolCallId(2, "getTime", '{"tz":"CET"}'),
            type: "function",
            function: { name: "getTime", arguments: '{"tz":"CET"}' },
          },
        ],
      }),
      delta({}, "tool_calls"),
    ]);
  });

  test("tool calls that arrive only on the final event are sent once, before the finish chunk", () => {
    const out = run([final({ text: "", toolCalls: [{ name: "getWeather", parameters: { city: "Munich" } }] })], false);
    expect(out).toEqual([
      delta({ role: "assistant", content: "" }),
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
    ]);
  });

  test("finish reasons: MAX_TOKENS → length, ERROR_TOXIC → content_filter", () => {
    expect(run([{ text: "a" }, final({ text: "a", finishReason: "MAX_TOKENS" })], false).at(-1)).toEqual(
      delta({}, "length"),
    );
    expect(run([{ text: "a" }, final({ text: "a", finishReason: "ERROR_TOXIC" })], false).at(-1)).toEqual(
      delta({}, "content_filter"),
    );
  });

  test("finishReason null on the final event (stop sequence hit) → stop, text not repeated", () => {
    const out = run(
      [
        { apiFormat: "COHERE", text: "one" },
        { apiFormat: "COHERE", text: " two" },
        {
          apiFormat: "COHERE",
          text: "one two",
          finishReason: null,
          chatHistory: [],
          usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 },
        },
      ],
      true,
    );
    expect(out).toEqual([
      delta({ role: "assistant", content: "" }),
      delta({ content: "one" }),
      delta({ content: " two" }),
      delta({}, "stop"),
      { ...base, choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
    ]);
  });

  test("finishReason ERROR → UpstreamError bad_response", () => {
    const m = new CohereStreamMapper(META, false);
    m.start();
    m.push({ apiFormat: "COHERE", text: "partial" });
    const e = upstreamError(() => m.push(final({ text: "partial", finishReason: "ERROR", errorMessage: "boom" })));
    expect(e.failure).toBe("bad_response");
    expect(e.message).toContain("boom");
  });

  test("an event that is not an object → bad_response", () => {
    const m = new CohereStreamMapper(META, false);
    expect(upstreamError(() => m.push("data")).failure).toBe("bad_response");
  });

  test("empty text events produce no chunk", () => {
    const m = new CohereStreamMapper(META, false);
    expect(m.push({ apiFormat: "COHERE", text: "" })).toEqual([]);
  });

  test("a final event whose text was never streamed as deltas still delivers that text, once", () => {
    // Deltas must concatenate to the final event's full text. When OCI sends no delta before
    // the final event, the final text is not a repeat and has to reach the client.
    const out = run(
      [final({ text: "Hello there.", usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 } })],
      false,
    );
    expect(text(out)).toBe("Hello there.");
    expect(out.at(-1)).toEqual(delta({}, "stop"));
  });
});
