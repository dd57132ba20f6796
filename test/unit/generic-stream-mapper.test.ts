/** OCI GENERIC stream events → OpenAI chunks (CONTRACT §4 streaming, OCI-WIRE §3.2; src/openai/generic-stream-mapper.ts). */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GenericStreamMapper } from "../../src/chat/formats/generic-stream-mapper";
import { UpstreamError } from "../../src/errors/upstream-error";
import type { ChatCompletionChunk } from "../../src/families/openai/types";
import { readFixtureEvents } from "../support/fake-oci";
import { runStreamMapper } from "../support/run-stream-mapper";

const FIXTURES = join(import.meta.dir, "..", "fixtures", "oci");
const META = { id: "chatcmpl-s1", created: 1_700_000_123, model: "my-alias" };

const events = readFixtureEvents;

const run = (evs: unknown[], includeUsage: boolean): ChatCompletionChunk[] =>
  runStreamMapper(new GenericStreamMapper(META, includeUsage), evs);

// Expected chunks are plain literals (any) so they compare structurally with the typed output.
const base: any = { id: META.id, object: "chat.completion.chunk", created: META.created, model: META.model };
const delta = (d: Record<string, unknown>, finish: string | null = null, index = 0): any => ({
  ...base,
  choices: [{ index, delta: d, logprobs: null, finish_reason: finish }],
});

describe("generic-text.chunks.txt", () => {
  const evs = events("generic-text.chunks.txt");

  test("role chunk first, content deltas in order, finish chunk, usage chunk", () => {
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
    expect(run(evs, true)).toEqual([
      delta({ role: "assistant", content: "" }),
      ...words.map((w) => delta({ content: w })),
      delta({}, "stop"),
      { ...base, choices: [], usage: { prompt_tokens: 43, completion_tokens: 17, total_tokens: 60 } },
    ]);
  });

  test("deltas concatenate to the full text of the non-streamed answer", () => {
    const full = JSON.parse(readFileSync(join(FIXTURES, "generic-text.json"), "utf8")).chatResponse.choices[0].message
      .content[0].text;
    const text = run(evs, false)
      .flatMap((c) => c.choices)
      .map((c) => c.delta.content ?? "")
      .join("");
    expect(text).toBe(full);
  });

  test("no usage chunk without includeUsage", () => {
    const chunks = run(evs, false);
    expect(chunks.some((c) => c.usage !== undefined)).toBe(false);
    expect(chunks.at(-1)).toEqual(delta({}, "stop"));
  });

  test("the mapper keeps the usage it saw even without includeUsage", () => {
    const m = new GenericStreamMapper(META, false);
    for (const e of evs) m.push(e);
    expect(m.usage).toEqual({ prompt_tokens: 43, completion_tokens: 17, total_tokens: 60 });
  });

  test("every chunk carries the completion's id, created and model", () => {
    for (const c of run(evs, true)) {
      expect(c.id).toBe(META.id);
      expect(c.created).toBe(META.created);
      expect(c.model).toBe(META.model);
      expect(c.object).toBe("chat.completion.chunk");
    }
  });

  test("each push returns only what that event adds (true incremental streaming)", () => {
    const m = new GenericStreamMapper(META, true);
    m.start();
    expect(m.push(evs[0])).toEqual([]); // the empty opening text
    expect(m.push(evs[1])).toEqual([delta({ content: "Why" })]);
  });
});

describe("generic-tool-call.chunks.txt", () => {
  const evs = events("generic-tool-call.chunks.txt");

  test("exact chunks: id and name on the first fragment, arguments appended at the same index", () => {
    expect(run(evs, true)).toEqual([
      delta({ role: "assistant", content: "" }),
      delta({
        tool_calls: [
          {
            index: 0,
            id: "chatcmpl-tool-e78c4b1f0a2d4c93",
            type: "function",
            function: { name: "get_weather", arguments: "" },
          },
        ],
      }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '{"city": "' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: "Par" } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: 'is", "unit": "c' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: 'elsius"}' } }] }),
      delta({}, "tool_calls"),
      { ...base, choices: [], usage: { prompt_tokens: 187, completion_tokens: 24, total_tokens: 211 } },
    ]);
  });

  test("assembled like a client would, the arguments parse as JSON", () => {
    const calls = assemble(run(evs, false));
    expect(calls).toEqual([
      { id: "chatcmpl-tool-e78c4b1f0a2d4c93", name: "get_weather", arguments: '{"city": "Paris", "unit": "celsius"}' },
    ]);
    expect(JSON.parse(calls[0]!.arguments)).toEqual({ city: "Paris", unit: "celsius" });
  });
});

describe("generic-parallel-tools.chunks.txt", () => {
  const evs = events("generic-parallel-tools.chunks.txt");

  test("two complete calls get indexes 0 and 1 with their own ids", () => {
    expect(run(evs, true)).toEqual([
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
    const calls = assemble(run(evs, false));
    expect(calls.map((c) => [c.id, c.name, JSON.parse(c.arguments)])).toEqual([
      ["call_9f2b7c1d4e5a6b70", "get_weather", { city: "Paris" }],
      ["call_3a8e0d6c2b1f4e95", "get_weather", { city: "Tokyo" }],
    ]);
  });
});

describe("synthetic events", () => {
  test("fragmented parallel calls: fragments after the second call's first fragment go to index 1", () => {
    const tc = (c: Record<string, unknown>) => ({
      index: 0,
      message: { role: "ASSISTANT", toolCalls: [{ type: "FUNCTION", ...c }] },
    });
    const calls = assemble(
      run(
        [
          tc({ id: "a", name: "f" }),
          tc({ arguments: '{"x":' }),
          tc({ arguments: "1}" }),
          tc({ id: "b", name: "g" }),
          tc({ arguments: '{"y":2}' }),
          { message: { role: "ASSISTANT" }, finishReason: "tool_calls" },
        ],
        false,
      ),
    );
    expect(calls).toEqual([
      { id: "a", name: "f", arguments: '{"x":1}' },
      { id: "b", name: "g", arguments: '{"y":2}' },
    ]);
  });

  test("a first fragment without id gets a synthetic id that stays stable", () => {
    const chunks = run(
      [
        { index: 0, message: { toolCalls: [{ type: "FUNCTION", arguments: '{"a"' }] } },
        { index: 0, message: { toolCalls: [{ type: "FUNCTION", arguments: ":1}" }] } },
        { finishReason: "tool_calls" },
      ],
      false,
    );
    const calls = assemble(chunks);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.id).toBeTruthy();
    expect(calls[0]!.arguments).toBe('{"a":1}');
  });

  test("finish_reason is tool_calls when tool calls were streamed even if OCI says stop", () => {
    const chunks = run(
      [{ index: 0, message: { toolCalls: [{ id: "a", name: "f", arguments: "{}" }] } }, { finishReason: "stop" }],
      false,
    );
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("tool_calls");
  });

  test("length stays length even with tool calls", () => {
    const chunks = run(
      [{ index: 0, message: { toolCalls: [{ id: "a", name: "f", arguments: "{" }] } }, { finishReason: "length" }],
      false,
    );
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("length");
  });

  test("text in the finish event is emitted before the finish chunk", () => {
    const chunks = run(
      [{ message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "end" }] }, finishReason: "stop" }],
      false,
    );
    expect(chunks.slice(1)).toEqual([delta({ content: "end" }), delta({}, "stop")]);
  });

  test("reasoning content deltas are passed as reasoning_content", () => {
    const chunks = run([{ index: 0, message: { reasoningContent: "hmm" } }, { finishReason: "stop" }], false);
    expect(chunks[1]).toEqual(delta({ reasoning_content: "hmm" }));
  });

  test("a second finish event is ignored", () => {
    const chunks = run([{ finishReason: "stop" }, { finishReason: "stop" }], false);
    expect(chunks.filter((c) => c.choices[0]?.finish_reason)).toHaveLength(1);
  });

  test("includeUsage but OCI sent no usage → no usage chunk", () => {
    expect(run([{ finishReason: "stop" }], true).some((c) => c.usage)).toBe(false);
  });

  test("end() without a finish event throws UpstreamError bad_response", () => {
    const m = new GenericStreamMapper(META, true);
    m.start();
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
    const m = new GenericStreamMapper(META, false);
    for (const e of cut) m.push(e);
    expect(() => m.end()).toThrow(UpstreamError);
  });

  test("malformed events are UpstreamError, not crashes", () => {
    const m = new GenericStreamMapper(META, false);
    expect(() => m.push("text")).toThrow(UpstreamError);
    expect(() => m.push({ message: { toolCalls: "x" } })).toThrow(UpstreamError);
    expect(() => m.push({ message: { toolCalls: [42] } })).toThrow(UpstreamError);
    expect(() => m.push({ message: { content: {} } })).toThrow(UpstreamError);
  });
});

/** What an OpenAI client does with tool-call deltas: group by index, first id/name win, append arguments. */
function assemble(chunks: ChatCompletionChunk[]): Array<{ id: string; name: string; arguments: string }> {
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
