/** The core's events as Anthropic's message stream (src/families/anthropic/stream-writer.ts). */
import { describe, expect, test } from "bun:test";
import type { ChatEvent } from "../../src/chat/types";
import { ApiError } from "../../src/errors/api-error";
import { type AnthropicMessage, anthropicUsage, toMessage } from "../../src/families/anthropic/render-message";
import { anthropicErrorFrame, MessageStreamWriter, PING } from "../../src/families/anthropic/stream-writer";
import { chatEvents as ev } from "../support/chat-events";

type Ev = { type: string; index?: number; [k: string]: unknown };

const shell: AnthropicMessage = {
  id: "msg_1",
  type: "message",
  role: "assistant",
  model: "claude-sonnet-4-5",
  content: [],
  stop_reason: null,
  stop_sequence: null,
  usage: { ...anthropicUsage(undefined), input_tokens: 12 },
};

function run(events: ChatEvent[]) {
  const w = new MessageStreamWriter(shell);
  const frames = [...w.start(), ...events.flatMap((e) => w.push(e)), ...w.end()];
  return frames.map((f) => {
    expect(f.event).toBe((f.data as Ev).type);
    return f.data as Ev;
  });
}

const reasoning = (t: string): ChatEvent => ({ type: "reasoning", choice: 0, text: t });

describe("MessageStreamWriter", () => {
  test("a text answer: message_start, one text block with its deltas as they came, message_delta, message_stop", () => {
    const out = run([ev.text("Hel"), ev.text("lo"), ev.finish("stop"), ev.usage(12, 2, 14)]);
    expect(out.map((e) => e.type)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(out[0]!.message).toEqual(shell);
    expect(out[1]).toEqual({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
    expect(out.slice(2, 4).map((e) => e.delta)).toEqual([
      { type: "text_delta", text: "Hel" },
      { type: "text_delta", text: "lo" },
    ]);
    expect(out[5]).toEqual({
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { input_tokens: 12, output_tokens: 2, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    });
  });

  test("thinking, then text, then two tool calls with input_json_delta: blocks indexed in order", () => {
    const out = run([
      reasoning("Let me "),
      reasoning("check."),
      ev.text("Checking."),
      ev.toolCall(0, "call_a", "get_weather", '{"ci'),
      ev.toolArguments(0, 'ty":"Paris"}'),
      ev.toolCall(1, "call.b", "get_time", ""),
      ev.toolArguments(1, "{}"),
      ev.finish("tool_calls"),
    ]);
    const starts = out.filter((e) => e.type === "content_block_start");
    expect(starts.map((e) => [e.index, e.content_block])).toEqual([
      [0, { type: "thinking", thinking: "", signature: "" }],
      [1, { type: "text", text: "" }],
      [2, { type: "tool_use", id: "toolu_call_a", name: "get_weather", input: {} }],
      [3, { type: "tool_use", id: "toolu_call_b", name: "get_time", input: {} }],
    ]);
    const deltas = out.filter((e) => e.type === "content_block_delta").map((e) => [e.index, e.delta]);
    expect(deltas).toEqual([
      [0, { type: "thinking_delta", thinking: "Let me " }],
      [0, { type: "thinking_delta", thinking: "check." }],
      [1, { type: "text_delta", text: "Checking." }],
      // A call's arguments go out whole when it is complete, checked (below).
      [2, { type: "input_json_delta", partial_json: '{"city":"Paris"}' }],
      [3, { type: "input_json_delta", partial_json: "{}" }],
    ]);
    // Every block opened is stopped, in order, before the message ends.
    expect(out.filter((e) => e.type === "content_block_stop").map((e) => e.index)).toEqual([0, 1, 2, 3]);
    expect((out.at(-2)!.delta as { stop_reason: string }).stop_reason).toBe("tool_use");
  });

  test.each([
    ['{"city": Paris}', { input: '{"city": Paris}' }],
    ['"Paris"', { input: "Paris" }],
    ["[1,2]", { input: [1, 2] }],
    ['{"city": "Paris"}', { city: "Paris" }],
    ["   ", undefined],
  ])("arguments %j stream as the object a whole answer carries", (args, input) => {
    const out = run([
      ev.toolCall(0, "call_a", "get_weather", args.slice(0, 3)),
      ev.toolArguments(0, args.slice(3)),
      ev.finish("tool_calls"),
    ]);
    const deltas = out.filter((e) => e.type === "content_block_delta").map((e) => e.delta as { partial_json: string });
    const whole = toMessage("msg_3", "m", {
      choices: [
        {
          index: 0,
          text: "",
          toolCalls: [{ id: "call_a", name: "get_weather", arguments: args }],
          finishReason: "tool_calls",
        },
      ],
    } as never).content[0] as { input: unknown };
    if (input === undefined) {
      expect(deltas).toEqual([]);
      expect(whole.input).toEqual({});
    } else {
      expect(deltas).toHaveLength(1);
      expect(JSON.parse(deltas[0]!.partial_json)).toEqual(input);
      expect(whole.input).toEqual(input);
    }
  });

  test("stop reasons: length → max_tokens, content_filter → refusal", () => {
    const reason = (r: "length" | "content_filter") =>
      (run([ev.text("x"), ev.finish(r)]).at(-2)!.delta as { stop_reason: string }).stop_reason;
    expect(reason("length")).toBe("max_tokens");
    expect(reason("content_filter")).toBe("refusal");
  });

  test("arguments for a call whose block already closed cannot be carried: an error, not a cut input", () => {
    const w = new MessageStreamWriter(shell);
    w.start();
    w.push(ev.toolCall(0, "a", "one", "{"));
    w.push(ev.toolCall(1, "b", "two", "{}"));
    expect(() => w.push(ev.toolArguments(0, "}"))).toThrow(ApiError);
  });

  test("the same answer whole: thinking, text, tool_use with parsed input", () => {
    const m = toMessage("msg_2", "claude-x", {
      choices: [
        {
          index: 0,
          text: "Checking.",
          reasoning: "hmm",
          toolCalls: [{ id: "call_a", name: "get_weather", arguments: '{"city":"Paris"}' }],
          finishReason: "tool_calls",
        },
      ],
      usage: { inputTokens: 9, outputTokens: 4, totalTokens: 13, cachedInputTokens: 2 },
    });
    expect(m).toEqual({
      id: "msg_2",
      type: "message",
      role: "assistant",
      model: "claude-x",
      content: [
        { type: "thinking", thinking: "hmm", signature: "" },
        { type: "text", text: "Checking." },
        { type: "tool_use", id: "toolu_call_a", name: "get_weather", input: { city: "Paris" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      // Anthropic's input_tokens leaves out what was read from the cache: 9 prompt tokens, 2 cached.
      usage: { input_tokens: 7, output_tokens: 4, cache_read_input_tokens: 2, cache_creation_input_tokens: 0 },
    });
  });

  test("a stream's usage counts the cached tokens once, as a whole answer's does", () => {
    const out = run([
      ev.text("x"),
      ev.finish("stop"),
      { type: "usage", usage: { inputTokens: 10000, outputTokens: 5, totalTokens: 10005, cachedInputTokens: 9000 } },
    ]);
    expect(out.at(-2)!.usage).toEqual({
      input_tokens: 1000,
      output_tokens: 5,
      cache_read_input_tokens: 9000,
      cache_creation_input_tokens: 0,
    });
  });

  test("ping and the error event are in Anthropic's shapes", () => {
    expect(PING).toEqual({ event: "ping", data: { type: "ping" } });
    const overloaded = new ApiError(503, "OCI is busy", { type: "service_unavailable" });
    expect(anthropicErrorFrame(overloaded)).toEqual({
      event: "error",
      data: { type: "error", error: { type: "overloaded_error", message: "OCI is busy" } },
    });
  });
});

describe("an answer with no text and no call", () => {
  /** The content blocks a stream builds, as a client assembles them. */
  const blocks = (out: Ev[]) =>
    out.filter((e) => e.type === "content_block_start").map((e) => (e.content_block as { type: string }).type);

  // Claude Code ends the run with no result when the stream has no text block (a whole Message has one).
  test.each([
    ["nothing at all", [ev.finish("stop")], ["text"]],
    ["an empty text event", [ev.text(""), ev.finish("stop")], ["text"]],
    ["only thinking (max_tokens spent on it)", [reasoning("hmm"), ev.finish("length")], ["thinking", "text"]],
  ])("%s: an empty text block, as the whole Message has", (_what, events, expected) => {
    const out = run(events as ChatEvent[]);
    expect(blocks(out)).toEqual(expected);
    const starts = out.filter((e) => e.type === "content_block_start").length;
    expect(out.filter((e) => e.type === "content_block_stop")).toHaveLength(starts);
    const whole = toMessage("msg_4", "m", {
      choices: [
        { index: 0, text: "", reasoning: expected.length > 1 ? "hmm" : undefined, toolCalls: [], finishReason: "stop" },
      ],
    } as never);
    expect(whole.content.map((b) => b.type as string)).toEqual(expected);
  });

  test("a call alone gets no text block", () => {
    expect(blocks(run([ev.toolCall(0, "a", "one", "{}"), ev.finish("tool_calls")]))).toEqual(["tool_use"]);
  });
});
