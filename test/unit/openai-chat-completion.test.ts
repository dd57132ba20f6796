/**
 * The chat core's answers and events in the OpenAI family's shapes: chat.completion,
 * chat.completion.chunk and the SSE reply (docs/api/openai.md; src/families/openai/chat-completion.ts, usage.ts).
 */
import { describe, expect, test } from "bun:test";
import { type ChatOutcome, chatStream } from "../../src/chat/outcome";
import type { AgentTurn, AnswerChoice, ChatAnswer, ChatEvent } from "../../src/chat/types";
import { ApiError } from "../../src/errors/api-error";
import {
  agentInfo,
  ChunkWriter,
  chatCompletionReply,
  newCompletionMeta,
  toChatCompletion,
} from "../../src/families/openai/chat-completion";
import type { ChatCompletionChunk } from "../../src/families/openai/types";
import { openAiUsage } from "../../src/families/openai/usage";
import * as answers from "../support/rendered-answers";
import { replyFrames } from "../support/reply-frames";

const META = { id: "chatcmpl-t1", created: 1_700_000_000, model: "my-alias" };
const TURN: AgentTurn = {
  sessionId: "ocid1.genaiagentsession.oc1..s1",
  sessionKey: "web:u1",
  reused: false,
  citations: [{ title: "Policy" }],
  timeCreated: "2026-03-01T10:00:00Z",
};
const AGENT = { session_id: TURN.sessionId, session_key: "web:u1", reused: false, citations: [{ title: "Policy" }] };

// Expected chunks are plain literals (any) so they compare structurally with the typed output.
const base: any = { id: META.id, object: "chat.completion.chunk", created: META.created, model: META.model };
const delta = (d: Record<string, unknown>, finish: string | null = null, index = 0): any => ({
  ...base,
  choices: [{ index, delta: d, logprobs: null, finish_reason: finish }],
});

function write(events: ChatEvent[], includeUsage: boolean): ChatCompletionChunk[] {
  const w = new ChunkWriter(META, includeUsage);
  return [w.start(), ...events.flatMap((e) => w.push(e)), ...w.end()];
}

const choice = (c: Partial<AnswerChoice> = {}): AnswerChoice => ({
  index: 0,
  text: "Hello",
  toolCalls: [],
  finishReason: "stop",
  ...c,
});

describe("ChunkWriter", () => {
  test("the first chunk gives the role, with the completion's id, created and model", () => {
    expect(new ChunkWriter(META, false).start()).toEqual(delta({ role: "assistant", content: "" }));
  });

  test("text and reasoning events → content and reasoning_content deltas of their choice", () => {
    const w = new ChunkWriter(META, false);
    expect(w.push({ type: "text", choice: 0, text: "Hi" })).toEqual([delta({ content: "Hi" })]);
    expect(w.push({ type: "reasoning", choice: 0, text: "hmm" })).toEqual([delta({ reasoning_content: "hmm" })]);
    // Another choice's first delta carries its role (the opening chunk carried choice 0's); later ones do not.
    expect(w.push({ type: "text", choice: 2, text: "other" })).toEqual([
      delta({ role: "assistant", content: "other" }, null, 2),
    ]);
    expect(w.push({ type: "text", choice: 2, text: " more" })).toEqual([delta({ content: " more" }, null, 2)]);
  });

  test("text with logprobs → the delta's logprobs.content", () => {
    const w = new ChunkWriter(META, false);
    const logprobs = [{ token: "Hi", logprob: -0.1, bytes: [72, 105], top_logprobs: [] }];
    const [c] = w.push({ type: "text", choice: 0, text: "Hi", logprobs });
    expect(c!.choices[0]!.logprobs).toEqual({ content: logprobs });
  });

  test("a tool call opens with index, id, type and name; its arguments follow at the same index without an id", () => {
    const out = write(
      [
        { type: "tool_call", choice: 0, index: 0, id: "call_a", name: "get_weather", arguments: "" },
        { type: "tool_arguments", choice: 0, index: 0, arguments: '{"city":' },
        { type: "tool_call", choice: 0, index: 1, id: "call_b", name: "get_time", arguments: "{" },
        { type: "tool_arguments", choice: 0, index: 0, arguments: '"Paris"}' },
        { type: "tool_arguments", choice: 0, index: 1, arguments: "}" },
        { type: "finish", choice: 0, reason: "tool_calls" },
      ],
      false,
    );
    expect(out).toEqual([
      delta({ role: "assistant", content: "" }),
      delta({
        tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } }],
      }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      delta({
        tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "get_time", arguments: "{" } }],
      }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      delta({ tool_calls: [{ index: 1, function: { arguments: "}" } }] }),
      delta({}, "tool_calls"),
    ]);
    for (const c of out)
      expect([c.id, c.created, c.model, c.object]).toEqual([
        META.id,
        META.created,
        META.model,
        "chat.completion.chunk",
      ]);
  });

  test("the finish event → a chunk with an empty delta and the finish_reason, for its choice", () => {
    const w = new ChunkWriter(META, false);
    expect(w.push({ type: "finish", choice: 0, reason: "length" })).toEqual([delta({}, "length")]);
    // A choice that finishes without having said anything still gets its role first.
    expect(w.push({ type: "finish", choice: 1, reason: "content_filter" })).toEqual([
      delta({ role: "assistant" }, "content_filter", 1),
    ]);
  });

  test("usage and agent events write nothing by themselves", () => {
    const w = new ChunkWriter(META, true);
    expect(w.push({ type: "usage", usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } })).toEqual([]);
    expect(w.push({ type: "agent", agent: TURN })).toEqual([]);
  });

  test("after an agent event the finish chunk carries the agent object, and only it does", () => {
    const out = write(
      [
        { type: "text", choice: 0, text: "Yes." },
        { type: "agent", agent: TURN },
        { type: "finish", choice: 0, reason: "stop" },
      ],
      true,
    );
    expect(out.at(-2)).toEqual({ ...delta({}, "stop"), agent: AGENT });
    expect(out.filter((c) => c.agent !== undefined)).toHaveLength(1);
    expect(out.at(-1)!.agent).toBeUndefined();
  });

  test("without an agent event no chunk has an agent key", () => {
    const out = write([{ type: "finish", choice: 0, reason: "stop" }], true);
    expect(out.some((c) => "agent" in c)).toBe(false);
  });

  test("include_usage → a last chunk with no choices and the usage, details included", () => {
    const out = write(
      [
        { type: "text", choice: 0, text: "x" },
        { type: "finish", choice: 0, reason: "stop" },
        {
          type: "usage",
          usage: { inputTokens: 10, outputTokens: 50, totalTokens: 60, cachedInputTokens: 4, reasoningTokens: 40 },
        },
      ],
      true,
    );
    expect(out.at(-2)).toEqual(delta({}, "stop"));
    expect(out.at(-1)).toEqual({
      ...base,
      choices: [],
      usage: {
        prompt_tokens: 10,
        completion_tokens: 50,
        total_tokens: 60,
        prompt_tokens_details: { cached_tokens: 4 },
        completion_tokens_details: { reasoning_tokens: 40 },
      },
    });
  });

  test("include_usage without a usage event → the usage chunk has zeros", () => {
    expect(write([{ type: "finish", choice: 0, reason: "stop" }], true).at(-1)).toEqual({
      ...base,
      choices: [],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    });
  });

  test("without include_usage there is no usage chunk, even when usage is known", () => {
    const out = write(
      [
        { type: "finish", choice: 0, reason: "stop" },
        { type: "usage", usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } },
      ],
      false,
    );
    expect(out).toEqual([delta({ role: "assistant", content: "" }), delta({}, "stop")]);
    expect(out.some((c) => "usage" in c)).toBe(false);
  });
});

describe("toChatCompletion", () => {
  const completion = (a: ChatAnswer) => toChatCompletion(a, META);

  test("a text answer: one assistant message, logprobs null, the finish reason, usage zeros when none is known", () => {
    expect(completion({ choices: [choice()] })).toEqual({
      id: META.id,
      object: "chat.completion",
      created: META.created,
      model: META.model,
      choices: [{ index: 0, message: { role: "assistant", content: "Hello" }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    });
  });

  test("tool calls only → content null and tool_calls in OpenAI's shape", () => {
    const c = completion({
      choices: [choice({ text: undefined, toolCalls: answers.TWO_TOOL_CALLS, finishReason: "tool_calls" })],
    }).choices[0]!;
    expect(c.message).toEqual(answers.TWO_TOOL_CALLS_MESSAGE);
    expect(c.finish_reason).toBe("tool_calls");
  });

  test("text beside tool calls is the content; no text and no calls → empty string content", () => {
    const withText = completion({
      choices: [choice({ text: "Checking", toolCalls: [{ id: "c", name: "f", arguments: "{}" }] })],
    });
    expect(withText.choices[0]!.message.content).toBe("Checking");
    const empty = completion({ choices: [choice({ text: undefined })] });
    expect(empty.choices[0]!.message).toEqual({ role: "assistant", content: "" });
  });

  test("reasoning → reasoning_content, refusal → refusal; absent when the choice has none", () => {
    const c = completion({ choices: [choice({ text: "42", reasoning: "thinking...", refusal: "no" })] });
    expect(c.choices[0]!.message).toEqual(answers.REASONED_MESSAGE);
    const plain = completion({ choices: [choice()] }).choices[0]!.message;
    expect(plain).not.toHaveProperty("reasoning_content");
    expect(plain).not.toHaveProperty("refusal");
    expect(plain).not.toHaveProperty("tool_calls");
  });

  test("logprobs → {content: [...]} per choice", () => {
    const tokens = answers.hiLogprobs(-0.1);
    expect(completion({ choices: [choice({ logprobs: tokens })] }).choices[0]!.logprobs).toEqual({ content: tokens });
  });

  test("usage with its details: cached_tokens, reasoning_tokens, accepted_prediction_tokens", () => {
    const c = completion({ choices: [choice()], usage: answers.DETAILED_USAGE });
    expect(c.usage).toEqual(answers.DETAILED_USAGE_RENDERED);
  });

  test("an agent turn → the agent object; no agent key otherwise", () => {
    expect(completion({ choices: [choice()], agent: TURN }).agent).toEqual(AGENT);
    expect(completion({ choices: [choice()] })).not.toHaveProperty("agent");
  });

  test("several choices keep their index and finish reason", () => {
    const c = completion({
      choices: [choice({ text: "a" }), choice({ index: 1, text: "b", finishReason: "length" })],
    });
    expect(c.choices.map((x) => [x.index, x.message.content, x.finish_reason])).toEqual([
      [0, "a", "stop"],
      [1, "b", "length"],
    ]);
  });
});

describe("agentInfo and openAiUsage", () => {
  test("an agent turn without a session key (a session the client named) → session_key empty, reused true", () => {
    expect(agentInfo({ sessionId: "s", citations: [], timeCreated: "t" })).toEqual({
      session_id: "s",
      session_key: "",
      reused: true,
      citations: [],
    });
  });

  test("usage without details has no detail keys; no usage → zeros", () => {
    const u = openAiUsage({ inputTokens: 3, outputTokens: 4, totalTokens: 7 });
    expect(u).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    expect(u).not.toHaveProperty("prompt_tokens_details");
    expect(u).not.toHaveProperty("completion_tokens_details");
    expect(openAiUsage()).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });
});

describe("chatCompletionReply", () => {
  test("a whole answer → JSON with the chat.completion, OCI's request id and the usage to account", () => {
    const usage = { inputTokens: 1, outputTokens: 2, totalTokens: 3 };
    const answer: ChatAnswer = { choices: [choice()], usage };
    const r = chatCompletionReply({ kind: "answer", answer, ociRequestId: "opc-1" }, META, false);
    expect(r).toEqual({ kind: "json", body: toChatCompletion(answer, META), ociRequestId: "opc-1", usage });
  });

  test("a stream → the role chunk, the deltas, the finish chunk, the usage chunk when asked, then [DONE]", async () => {
    const events: ChatEvent[] = [
      { type: "text", choice: 0, text: "Hi" },
      { type: "agent", agent: TURN },
      { type: "finish", choice: 0, reason: "stop" },
      { type: "usage", usage: { inputTokens: 2, outputTokens: 1, totalTokens: 3 } },
    ];
    const run = async (includeUsage: boolean) => {
      let cancelled = 0;
      async function* source() {
        yield* events;
      }
      const out: ChatOutcome = chatStream(source(), { ociRequestId: "opc-s", cancel: () => void cancelled++ });
      const r = chatCompletionReply(out, META, includeUsage);
      if (r.kind !== "stream") throw new Error("expected a stream reply");
      const data: unknown[] = [];
      for await (const f of replyFrames(r)) data.push(f.data);
      expect(r.ociRequestId).toBe("opc-s");
      expect(r.usage()).toEqual({ inputTokens: 2, outputTokens: 1, totalTokens: 3 });
      expect(r.firstTokenAt()).toBeNumber();
      r.cancel();
      expect(cancelled).toBe(1);
      return data;
    };
    const head = [
      delta({ role: "assistant", content: "" }),
      delta({ content: "Hi" }),
      { ...delta({}, "stop"), agent: AGENT },
    ];
    expect(await run(false)).toEqual([...head, "[DONE]"]);
    expect(await run(true)).toEqual([
      ...head,
      { ...base, choices: [], usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 } },
      "[DONE]",
    ]);
  });

  test("a failure inside a stream is sent as a data frame with the OpenAI error envelope", () => {
    const out = chatStream((async function* (): AsyncGenerator<ChatEvent> {})(), { cancel: () => {} });
    const r = chatCompletionReply(out, META, false);
    if (r.kind !== "stream") throw new Error("expected a stream reply");
    const frame = r.errorFrame(new ApiError(502, "upstream broke", { type: "upstream_error", code: "bad_gateway" }));
    expect(frame).toEqual({
      data: { error: { message: "upstream broke", type: "upstream_error", param: null, code: "bad_gateway" } },
    });
  });
});

describe("newCompletionMeta", () => {
  test("an id with the chatcmpl- prefix (or the one given), the current time in seconds and the alias as model", () => {
    const before = Math.floor(Date.now() / 1000);
    const m = newCompletionMeta("my-alias");
    expect(m.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect(m.model).toBe("my-alias");
    expect(m.created).toBeGreaterThanOrEqual(before);
    expect(newCompletionMeta("x", "cmpl").id).toStartWith("cmpl-");
    expect(newCompletionMeta("x").id).not.toBe(m.id);
  });
});
