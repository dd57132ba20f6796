/**
 * OCI GENERIC stream events → the chat core's events (docs/oci-wire.md; src/chat/formats/generic-stream-mapper.ts),
 * and those events as the OpenAI family's chunks (src/families/openai/chat-completion.ts).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GenericStreamMapper } from "../../src/chat/formats/generic-stream-mapper";
import type { ChatEvent } from "../../src/chat/types";
import { UpstreamError } from "../../src/errors/upstream-error";
import type { ChatCompletionChunk } from "../../src/families/openai/types";
import { chatEvents } from "../support/chat-events";
import { readFixtureEvents } from "../support/fake-oci";
import { assembleToolCalls, finishesOf, renderChunks, runStreamMapper, textOf } from "../support/run-stream-mapper";

const FIXTURES = join(import.meta.dir, "..", "fixtures", "oci");
const ANSWER_ID = "s1";
const META = { id: "chatcmpl-s1", created: 1_700_000_123, model: "my-alias" };

const events = readFixtureEvents;

const run = (evs: unknown[]): ChatEvent[] => runStreamMapper(new GenericStreamMapper(ANSWER_ID), evs);
const chunks = (evs: unknown[], includeUsage: boolean): ChatCompletionChunk[] =>
  renderChunks(run(evs), META, includeUsage);

const { text, finish, usage } = chatEvents;

// Expected chunks are plain literals (any) so they compare structurally with the typed output.
const base: any = { id: META.id, object: "chat.completion.chunk", created: META.created, model: META.model };
const delta = (d: Record<string, unknown>, finishReason: string | null = null, index = 0): any => ({
  ...base,
  choices: [{ index, delta: d, logprobs: null, finish_reason: finishReason }],
});

describe("generic-text.chunks.txt", () => {
  const evs = events("generic-text.chunks.txt");
  const words = [
    "Why",
    " did",
    " the",
    " scare",
    "crow",
    " win",
    " an",
    " award",
    "?",
    " Because",
    " he",
    " was",
    " outstanding",
    " in",
    " his",
    " field",
    ".",
  ];

  test("text events in order, then the finish, then the usage OCI reported", () => {
    expect(run(evs)).toEqual([...words.map((w) => text(w)), finish("stop"), usage(43, 17, 60)]);
  });

  test("rendered for OpenAI with include_usage: role chunk first, content deltas in order, finish chunk, usage chunk", () => {
    expect(chunks(evs, true)).toEqual([
      delta({ role: "assistant", content: "" }),
      ...words.map((w) => delta({ content: w })),
      delta({}, "stop"),
      { ...base, choices: [], usage: { prompt_tokens: 43, completion_tokens: 17, total_tokens: 60 } },
    ]);
  });

  test("text events concatenate to the full text of the non-streamed answer", () => {
    const full = JSON.parse(readFileSync(join(FIXTURES, "generic-text.json"), "utf8")).chatResponse.choices[0].message
      .content[0].text;
    expect(textOf(run(evs))).toBe(full);
  });

  test("rendered without include_usage: no usage chunk, the finish chunk is last", () => {
    const out = chunks(evs, false);
    expect(out.some((c) => c.usage !== undefined)).toBe(false);
    expect(out.at(-1)).toEqual(delta({}, "stop"));
  });

  test("the mapper keeps the usage it saw, and end() reports it", () => {
    const m = new GenericStreamMapper(ANSWER_ID);
    for (const e of evs) m.push(e);
    expect(m.usage).toEqual({ inputTokens: 43, outputTokens: 17, totalTokens: 60 });
    expect(m.end()).toEqual([usage(43, 17, 60)]);
  });

  test("every rendered chunk carries the completion's id, created and model", () => {
    for (const c of chunks(evs, true)) {
      expect(c.id).toBe(META.id);
      expect(c.created).toBe(META.created);
      expect(c.model).toBe(META.model);
      expect(c.object).toBe("chat.completion.chunk");
    }
  });

  test("each push returns only what that event adds (true incremental streaming)", () => {
    const m = new GenericStreamMapper(ANSWER_ID);
    expect(m.push(evs[0])).toEqual([]); // the empty opening text
    expect(m.push(evs[1])).toEqual([text("Why")]);
  });
});

describe("generic-tool-call.chunks.txt", () => {
  const evs = events("generic-tool-call.chunks.txt");
  const ID = "chatcmpl-tool-e78c4b1f0a2d4c93";

  test("exact events: id and name on the first fragment, arguments appended at the same index", () => {
    const args = (a: string): ChatEvent => ({ type: "tool_arguments", choice: 0, index: 0, arguments: a });
    expect(run(evs)).toEqual([
      { type: "tool_call", choice: 0, index: 0, id: ID, name: "get_weather", arguments: "" },
      args('{"city": "'),
      args("Par"),
      args('is", "unit": "c'),
      args('elsius"}'),
      finish("tool_calls"),
      usage(187, 24, 211),
    ]);
  });

  test("rendered for OpenAI: the first tool_calls delta has id, type and name; later ones only arguments at the same index", () => {
    expect(chunks(evs, true)).toEqual([
      delta({ role: "assistant", content: "" }),
      delta({
        tool_calls: [{ index: 0, id: ID, type: "function", function: { name: "get_weather", arguments: "" } }],
      }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '{"city": "' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: "Par" } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: 'is", "unit": "c' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: 'elsius"}' } }] }),
      delta({}, "tool_calls"),
      { ...base, choices: [], usage: { prompt_tokens: 187, completion_tokens: 24, total_tokens: 211 } },
    ]);
  });

  test("assembled like a client would (from the events and from the chunks), the arguments parse as JSON", () => {
    const expected = [{ id: ID, name: "get_weather", arguments: '{"city": "Paris", "unit": "celsius"}' }];
    const calls = assembleToolCalls(run(evs));
    expect(calls).toEqual(expected);
    expect(assembleChunks(chunks(evs, false))).toEqual(expected);
    expect(JSON.parse(calls[0]!.arguments)).toEqual({ city: "Paris", unit: "celsius" });
  });
});

describe("generic-parallel-tools.chunks.txt", () => {
  const evs = events("generic-parallel-tools.chunks.txt");

  test("two complete calls get indexes 0 and 1 with their own ids", () => {
    expect(run(evs)).toEqual([
      {
        type: "tool_call",
        choice: 0,
        index: 0,
        id: "call_9f2b7c1d4e5a6b70",
        name: "get_weather",
        arguments: '{"city":"Paris"}',
      },
      {
        type: "tool_call",
        choice: 0,
        index: 1,
        id: "call_3a8e0d6c2b1f4e95",
        name: "get_weather",
        arguments: '{"city":"Tokyo"}',
      },
      finish("tool_calls"),
      usage(192, 38, 230),
    ]);
  });

  test("rendered for OpenAI: one tool_calls delta per call, each with its index and id", () => {
    expect(chunks(evs, true)).toEqual([
      delta({ role: "assistant", content: "" }),
      delta({
        tool_calls: [
          {
            index: 0,
            id: "call_9f2b7c1d4e5a6b70",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
        ],
      }),
      delta({
        tool_calls: [
          {
            index: 1,
            id: "call_3a8e0d6c2b1f4e95",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Tokyo"}' },
          },
        ],
      }),
      delta({}, "tool_calls"),
      { ...base, choices: [], usage: { prompt_tokens: 192, completion_tokens: 38, total_tokens: 230 } },
    ]);
  });

  test("assembled calls parse as JSON", () => {
    const calls = assembleToolCalls(run(evs));
    expect(calls.map((c) => [c.id, c.name, JSON.parse(c.arguments)])).toEqual([
      ["call_9f2b7c1d4e5a6b70", "get_weather", { city: "Paris" }],
      ["call_3a8e0d6c2b1f4e95", "get_weather", { city: "Tokyo" }],
    ]);
    expect(assembleChunks(chunks(evs, false))).toEqual(calls);
  });
});

describe("synthetic events", () => {
  test("fragmented parallel calls: fragments after the second call's first fragment go to index 1", () => {
    const tc = (c: Record<string, unknown>) => ({
      index: 0,
      message: { role: "ASSISTANT", toolCalls: [{ type: "FUNCTION", ...c }] },
    });
    const calls = assembleToolCalls(
      run([
        tc({ id: "a", name: "f" }),
        tc({ arguments: '{"x":' }),
        tc({ arguments: "1}" }),
        tc({ id: "b", name: "g" }),
        tc({ arguments: '{"y":2}' }),
        { message: { role: "ASSISTANT" }, finishReason: "tool_calls" },
      ]),
    );
    expect(calls).toEqual([
      { id: "a", name: "f", arguments: '{"x":1}' },
      { id: "b", name: "g", arguments: '{"y":2}' },
    ]);
  });

  test("a first fragment without id gets a synthetic id from the answer id; later fragments extend that call", () => {
    const out = run([
      { index: 0, message: { toolCalls: [{ type: "FUNCTION", arguments: '{"a"' }] } },
      { index: 0, message: { toolCalls: [{ type: "FUNCTION", arguments: ":1}" }] } },
      { finishReason: "tool_calls" },
    ]);
    expect(out).toEqual([
      { type: "tool_call", choice: 0, index: 0, id: `call_${ANSWER_ID}_0`, name: "", arguments: '{"a"' },
      { type: "tool_arguments", choice: 0, index: 0, arguments: ":1}" },
      finish("tool_calls"),
    ]);
    const calls = assembleToolCalls(out);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.arguments).toBe('{"a":1}');
  });

  test("finish reason is tool_calls when tool calls were streamed even if OCI says stop", () => {
    const out = run([
      { index: 0, message: { toolCalls: [{ id: "a", name: "f", arguments: "{}" }] } },
      { finishReason: "stop" },
    ]);
    expect(finishesOf(out)).toEqual(["tool_calls"]);
  });

  test("length stays length even with tool calls", () => {
    const out = run([
      { index: 0, message: { toolCalls: [{ id: "a", name: "f", arguments: "{" }] } },
      { finishReason: "length" },
    ]);
    expect(finishesOf(out)).toEqual(["length"]);
  });

  test("text in the finish event is emitted before the finish", () => {
    const out = run([
      { message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "end" }] }, finishReason: "stop" },
    ]);
    expect(out).toEqual([text("end"), finish("stop")]);
  });

  test("reasoning content deltas are reasoning events (rendered as reasoning_content)", () => {
    const out = run([{ index: 0, message: { reasoningContent: "hmm" } }, { finishReason: "stop" }]);
    expect(out[0]).toEqual({ type: "reasoning", choice: 0, text: "hmm" });
    expect(renderChunks(out, META, false)[1]).toEqual(delta({ reasoning_content: "hmm" }));
  });

  test("an event's text, reasoning and tool call come out as separate events, in that order", () => {
    const out = run([
      {
        index: 0,
        message: {
          content: [{ type: "TEXT", text: "t" }],
          reasoningContent: "r",
          toolCalls: [{ id: "c", name: "f", arguments: "{}" }],
        },
        finishReason: "tool_calls",
      },
    ]);
    expect(out).toEqual([
      text("t"),
      { type: "reasoning", choice: 0, text: "r" },
      { type: "tool_call", choice: 0, index: 0, id: "c", name: "f", arguments: "{}" },
      finish("tool_calls"),
    ]);
  });

  test("events of another generation carry its choice index, with its own tool-call indexes and finish", () => {
    const out = run([
      { index: 0, message: { content: [{ type: "TEXT", text: "a" }] } },
      { index: 1, message: { toolCalls: [{ id: "c1", name: "f", arguments: "{}" }] } },
      { index: 0, finishReason: "stop" },
      { index: 1, finishReason: "stop" },
    ]);
    expect(out).toEqual([
      text("a", 0),
      { type: "tool_call", choice: 1, index: 0, id: "c1", name: "f", arguments: "{}" },
      finish("stop", 0),
      finish("tool_calls", 1),
    ]);
    expect(renderChunks(out, META, false).at(-1)).toEqual(delta({}, "tool_calls", 1));
  });

  test("a second finish event for the same choice is ignored", () => {
    expect(finishesOf(run([{ finishReason: "stop" }, { finishReason: "stop" }]))).toEqual(["stop"]);
  });

  test("OCI sent no usage → end() reports no usage event and the mapper knows none", () => {
    const m = new GenericStreamMapper(ANSWER_ID);
    m.push({ finishReason: "stop" });
    expect(m.end()).toEqual([]);
    expect(m.usage).toBeUndefined();
  });

  test("end() without a finish event throws UpstreamError bad_response", () => {
    const m = new GenericStreamMapper(ANSWER_ID);
    m.push({ index: 0, message: { content: [{ type: "TEXT", text: "partial" }] } });
    let err: unknown;
    try {
      m.end();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).failure).toBe("bad_response");
  });

  test("end() on a recorded stream cut before its finish event throws", () => {
    const evs = events("generic-text.chunks.txt");
    const cut = evs.slice(0, 5);
    const m = new GenericStreamMapper(ANSWER_ID);
    for (const e of cut) m.push(e);
    expect(() => m.end()).toThrow(UpstreamError);
  });

  test("malformed events are UpstreamError, not crashes", () => {
    const m = new GenericStreamMapper(ANSWER_ID);
    expect(() => m.push("text")).toThrow(UpstreamError);
    expect(() => m.push({ message: { toolCalls: "x" } })).toThrow(UpstreamError);
    expect(() => m.push({ message: { toolCalls: [42] } })).toThrow(UpstreamError);
    expect(() => m.push({ message: { content: {} } })).toThrow(UpstreamError);
  });
});

/** What an OpenAI client does with tool-call deltas: group by index, first id/name win, append arguments. */
function assembleChunks(chunks: ChatCompletionChunk[]): Array<{ id: string; name: string; arguments: string }> {
  const byIndex = new Map<number, { id: string; name: string; arguments: string }>();
  for (const ch of chunks) {
    for (const choice of ch.choices) {
      for (const d of choice.delta.tool_calls ?? []) {
        const cur = byIndex.get(d.index);
        if (!cur) {
          expect(d.id).toBeTruthy();
          expect(d.type).toBe("function");
          byIndex.set(d.index, { id: d.id!, name: d.function.name ?? "", arguments: d.function.arguments ?? "" });
        } else {
          expect(d.id).toBeUndefined();
          cur.arguments += d.function.arguments ?? "";
        }
      }
    }
  }
  return [...byIndex.keys()].sort((a, b) => a - b).map((k) => byIndex.get(k)!);
}

describe("several choices (n > 1)", () => {
  const say = (index: number, t: string) => ({
    index,
    message: { role: "ASSISTANT", content: [{ type: "TEXT", text: t }] },
  });

  test("finish events without an index (as OCI sends them) go to the choices that spoke, in order", () => {
    const out = run([say(0, "a"), say(1, "b"), say(1, "c"), { finishReason: "stop" }, { finishReason: "length" }]);
    expect(out.filter((e) => e.type === "finish")).toEqual([
      { type: "finish", choice: 0, reason: "stop" },
      { type: "finish", choice: 1, reason: "length" },
    ]);
  });

  // OCI's recorded finish event carries an empty ASSISTANT message: it names no choice either.
  test("index-less finish events carrying an empty message also go to the choices that spoke, in order", () => {
    const empty = (finishReason: string) => ({
      message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "" }] },
      finishReason,
    });
    const out = run([say(0, ""), say(1, ""), say(0, "A"), say(1, "B"), empty("stop"), empty("stop")]);
    expect(out.filter((e) => e.type === "finish")).toEqual([
      { type: "finish", choice: 0, reason: "stop" },
      { type: "finish", choice: 1, reason: "stop" },
    ]);
    // One choice (n = 1), as every recorded stream: unchanged.
    const one = run([{ message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "hi" }] } }, empty("stop")]);
    expect(one.filter((e) => e.type === "finish")).toEqual([{ type: "finish", choice: 0, reason: "stop" }]);
  });

  test("finish events with an index go to that choice", () => {
    const out = run([
      say(0, "a"),
      say(1, "b"),
      { index: 1, finishReason: "length" },
      { index: 0, finishReason: "stop" },
    ]);
    expect(out.filter((e) => e.type === "finish").map((e) => (e as { choice: number }).choice)).toEqual([1, 0]);
  });

  test("every choice's chunks: its role first, its finish last", () => {
    const rendered = chunks([say(0, "a"), say(1, "b"), { finishReason: "stop" }, { finishReason: "stop" }], false);
    const of = (i: number) => rendered.flatMap((c) => c.choices.filter((ch) => ch.index === i));
    for (const i of [0, 1]) {
      expect(of(i)[0]!.delta.role).toBe("assistant");
      expect(of(i).at(-1)!.finish_reason).toBe("stop");
    }
  });
});

describe("logprobs in a stream", () => {
  test("a text event's logprobs (OCI's columns) reach the chunk as logprobs.content", () => {
    const out = run([
      {
        message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "Hi" }] },
        logprobs: { tokens: ["Hi"], tokenLogprobs: [-0.25], topLogprobs: [{ Hi: -0.25, Hello: -1.5 }] },
      },
      { finishReason: "stop" },
    ]);
    expect(out[0]).toMatchObject({ type: "text", text: "Hi", logprobs: [{ token: "Hi", logprob: -0.25 }] });
    const [, first] = renderChunks(out, META, false);
    expect(first!.choices[0]!.logprobs?.content[0]?.top_logprobs.map((t) => t.token)).toEqual(["Hi", "Hello"]);
  });
});
