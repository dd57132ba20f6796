/** The seed's direct inference shapes over the chat core (src/families/direct/inference.ts). */
import { describe, expect, test } from "bun:test";
import { CohereStreamMapper } from "../../src/chat/formats/cohere-stream-mapper";
import { convertToGenericChatRequest } from "../../src/chat/formats/convert-to-generic-chat-request";
import { type ChatOutcome, chatStream } from "../../src/chat/outcome";
import type { ChatAnswer, ChatEvent, TokenUsage } from "../../src/chat/types";
import type { ModelAlias } from "../../src/config/types";
import { directFinishReason, inferenceReply, inferenceToChatRequest } from "../../src/families/direct/inference";
import type { Reply } from "../../src/http/respond";
import { describeModel } from "../../src/oci/model-target";
import { readFixtureEvents } from "../support/fake-oci";
import { replyFrames } from "../support/reply-frames";
import { runStreamMapper } from "../support/run-stream-mapper";

const answer = (a: Partial<ChatAnswer["choices"][number]>, usage?: TokenUsage): ChatOutcome => ({
  kind: "answer",
  answer: { choices: [{ index: 0, toolCalls: [], finishReason: "stop", ...a }], ...(usage ? { usage } : {}) },
  ociRequestId: "opc-1",
});

/** A core stream of these events; `cancelled` counts the reply's cancel() calls. */
function streamOf(events: ChatEvent[]) {
  const state = { cancelled: 0 };
  async function* source(): AsyncGenerator<ChatEvent> {
    for (const e of events) {
      await Promise.resolve();
      yield e;
    }
  }
  const out = chatStream(source(), { ociRequestId: "opc-2", cancel: () => void state.cancelled++ });
  return { out, state };
}

async function frames(r: Reply<unknown>): Promise<unknown[]> {
  if (r.kind !== "stream") throw new Error(`expected a stream reply, got ${r.kind}`);
  const out: unknown[] = [];
  for await (const f of replyFrames(r)) {
    expect(f.event).toBeUndefined();
    out.push(f.data);
  }
  return out;
}

describe("inferenceToChatRequest", () => {
  test("all knobs: the prompt is one user turn, sampling values passed on, stream kept", () => {
    const req = inferenceToChatRequest({
      prompt: "Tell me a joke",
      temperature: 0.5,
      max_tokens: 100,
      top_p: 0.9,
      top_k: 40,
      stream: true,
    });
    expect(JSON.parse(JSON.stringify(req))).toEqual({
      messages: [{ role: "user", content: "Tell me a joke" }],
      temperature: 0.5,
      max_tokens: 100,
      top_p: 0.9,
      top_k: 40,
      stream: true,
    });
  });

  test("a streamed prompt still asks OCI for usage (the final answer reports it) without stream_options", () => {
    const alias: ModelAlias = {
      alias: "llama",
      id: "meta.llama-3.3-70b-instruct",
      type: "model",
      region: "us-chicago-1",
      compartmentId: "ocid1.compartment.oc1..aaaa",
      params: {},
    };
    const req = inferenceToChatRequest({ prompt: "hi", stream: true });
    expect(req).not.toHaveProperty("stream_options");
    const wire = convertToGenericChatRequest(req, describeModel(alias), {}, true) as { streamOptions?: unknown };
    expect(wire.streamOptions).toEqual({ isIncludeUsage: true });
  });

  test("prompt only: not streaming, no stream_options, no sampling values invented", () => {
    const req = inferenceToChatRequest({ prompt: "hi" });
    expect(JSON.parse(JSON.stringify(req))).toEqual({ messages: [{ role: "user", content: "hi" }], stream: false });
    expect(inferenceToChatRequest({ prompt: "hi", stream: false }).stream).toBe(false);
    expect(inferenceToChatRequest({ prompt: "hi", stream: false })).not.toHaveProperty("stream_options");
  });
});

describe("directFinishReason", () => {
  test("upper-case finish reasons; none → STOP", () => {
    expect(directFinishReason("stop")).toBe("STOP");
    expect(directFinishReason("length")).toBe("LENGTH");
    expect(directFinishReason("tool_calls")).toBe("TOOL_CALLS");
    expect(directFinishReason("content_filter")).toBe("CONTENT_FILTER");
    expect(directFinishReason(undefined)).toBe("STOP");
  });
});

describe("inferenceReply: whole answers", () => {
  test("text, upper-case finish reason and the three usage numbers only; the reply keeps OCI's request id and usage", () => {
    const usage = { inputTokens: 3, outputTokens: 2, totalTokens: 5, reasoningTokens: 1 };
    const r = inferenceReply(answer({ text: "Hello", finishReason: "length" }, usage));
    expect(r).toEqual({
      kind: "json",
      body: {
        response: { text: "Hello", finish_reason: "LENGTH" },
        usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
      },
      ociRequestId: "opc-1",
      usage,
    });
  });

  test("no text (a tool-call turn) → empty text; no usage → no usage key", () => {
    const r = inferenceReply(
      answer({ toolCalls: [{ id: "c", name: "f", arguments: "{}" }], finishReason: "tool_calls" }),
    );
    if (r.kind !== "json") throw new Error("expected json");
    expect(r.body).toEqual({ response: { text: "", finish_reason: "TOOL_CALLS" } });
    expect(r.body).not.toHaveProperty("usage");
  });
});

describe("inferenceReply: streams", () => {
  test("one {delta} per text event, then the final response with the whole text and usage, then [DONE]", async () => {
    const { out } = streamOf([
      { type: "text", choice: 0, text: "Hel" },
      { type: "text", choice: 0, text: "lo" },
      { type: "reasoning", choice: 0, text: "thinking" },
      { type: "finish", choice: 0, reason: "length" },
      { type: "usage", usage: { inputTokens: 4, outputTokens: 2, totalTokens: 6, cachedInputTokens: 1 } },
    ]);
    const r = inferenceReply(out);
    expect(await frames(r)).toEqual([
      { delta: "Hel" },
      { delta: "lo" },
      {
        response: { text: "Hello", finish_reason: "LENGTH" },
        usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
      },
      "[DONE]",
    ]);
    if (r.kind !== "stream") throw new Error("expected a stream");
    expect(r.usage()).toEqual({ inputTokens: 4, outputTokens: 2, totalTokens: 6, cachedInputTokens: 1 });
    expect(r.firstTokenAt()).toBeNumber();
  });

  test("without a finish or usage event: STOP and no usage key", async () => {
    const { out } = streamOf([{ type: "text", choice: 0, text: "x" }]);
    expect(await frames(inferenceReply(out))).toEqual([
      { delta: "x" },
      { response: { text: "x", finish_reason: "STOP" } },
      "[DONE]",
    ]);
  });

  test("only the first choice is streamed", async () => {
    const { out } = streamOf([
      { type: "text", choice: 0, text: "a" },
      { type: "text", choice: 1, text: "b" },
      { type: "finish", choice: 1, reason: "length" },
      { type: "finish", choice: 0, reason: "stop" },
    ]);
    expect(await frames(inferenceReply(out))).toEqual([
      { delta: "a" },
      { response: { text: "a", finish_reason: "STOP" } },
      "[DONE]",
    ]);
  });

  test("the stream reply keeps the core stream's request id and cancel", () => {
    const { out, state } = streamOf([]);
    const r = inferenceReply(out);
    if (r.kind !== "stream") throw new Error("expected a stream");
    expect(r.ociRequestId).toBe("opc-2");
    r.cancel();
    expect(state.cancelled).toBe(1);
  });

  test("a recorded COHERE stream folds to the full text exactly once, with OCI's usage", async () => {
    const events = runStreamMapper(new CohereStreamMapper("d1"), readFixtureEvents("cohere-text.chunks.txt"));
    const out = await frames(inferenceReply(streamOf(events).out));
    const deltas = out.flatMap((f) => (typeof f === "object" && f !== null && "delta" in f ? [String(f.delta)] : []));
    expect(deltas.join("")).toBe("Why did the penguin cross the road? To get to the other side.");
    expect(out.slice(-2)).toEqual([
      {
        response: { text: "Why did the penguin cross the road? To get to the other side.", finish_reason: "STOP" },
        usage: { prompt_tokens: 22, completion_tokens: 15, total_tokens: 37 },
      },
      "[DONE]",
    ]);
  });
});
