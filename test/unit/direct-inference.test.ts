/** The seed's direct inference shapes over chat (src/openai/direct-inference.ts). */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CohereStreamMapper } from "../../src/chat/formats/cohere-stream-mapper";
import {
  chatToInferenceResponse,
  directFinishReason,
  InferenceStreamFolder,
  inferenceToChatRequest,
} from "../../src/families/direct/inference";
import type { ChatCompletion, ChatCompletionChunk } from "../../src/families/openai/types";

const META = { id: "chatcmpl-d1", created: 1_700_000_000, model: "alias" };
const chunk = (
  d: ChatCompletionChunk["choices"][number]["delta"],
  finish: ChatCompletionChunk["choices"][number]["finish_reason"] = null,
): ChatCompletionChunk => ({
  ...META,
  object: "chat.completion.chunk",
  choices: [{ index: 0, delta: d, logprobs: null, finish_reason: finish }],
});
const completion = (
  message: ChatCompletion["choices"][number]["message"],
  finish: ChatCompletion["choices"][number]["finish_reason"],
  usage?: ChatCompletion["usage"],
): ChatCompletion => ({
  ...META,
  object: "chat.completion",
  choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
  ...(usage ? { usage } : {}),
});

describe("inferenceToChatRequest", () => {
  test("all knobs: the prompt is one user turn, usage asked for when streaming", () => {
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
      stream_options: { include_usage: true },
    });
  });

  test("prompt only: not streaming, no stream_options, no sampling values invented", () => {
    const req = inferenceToChatRequest({ prompt: "hi" });
    expect(JSON.parse(JSON.stringify(req))).toEqual({ messages: [{ role: "user", content: "hi" }], stream: false });
    expect(inferenceToChatRequest({ prompt: "hi", stream: false }).stream).toBe(false);
    expect(inferenceToChatRequest({ prompt: "hi", stream: false })).not.toHaveProperty("stream_options");
  });
});

describe("directFinishReason", () => {
  test("upper-case OpenAI reasons; null → STOP", () => {
    expect(directFinishReason("stop")).toBe("STOP");
    expect(directFinishReason("length")).toBe("LENGTH");
    expect(directFinishReason("tool_calls")).toBe("TOOL_CALLS");
    expect(directFinishReason("content_filter")).toBe("CONTENT_FILTER");
    expect(directFinishReason(null)).toBe("STOP");
  });
});

describe("chatToInferenceResponse", () => {
  test("text, upper-case finish reason and the three usage numbers only", () => {
    const c = completion({ role: "assistant", content: "Hello" }, "length", {
      prompt_tokens: 3,
      completion_tokens: 2,
      total_tokens: 5,
      completion_tokens_details: { reasoning_tokens: 1 },
    });
    expect(chatToInferenceResponse(c)).toEqual({
      response: { text: "Hello", finish_reason: "LENGTH" },
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
  });

  test("null content → empty text; no usage → no usage key", () => {
    const res = chatToInferenceResponse(completion({ role: "assistant", content: null }, "stop"));
    expect(res).toEqual({ response: { text: "", finish_reason: "STOP" } });
    expect(res).not.toHaveProperty("usage");
  });
});

describe("InferenceStreamFolder", () => {
  test("one {delta} per content chunk, then the final response with the whole text and usage", () => {
    const f = new InferenceStreamFolder();
    expect(f.push(chunk({ role: "assistant", content: "" }))).toEqual([]);
    expect(f.push(chunk({ content: "Hel" }))).toEqual([{ delta: "Hel" }]);
    expect(f.push(chunk({ content: "lo" }))).toEqual([{ delta: "lo" }]);
    expect(f.push(chunk({ reasoning_content: "thinking" }))).toEqual([]);
    expect(f.push(chunk({}, "length"))).toEqual([]);
    expect(
      f.push({
        ...META,
        object: "chat.completion.chunk",
        choices: [],
        usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
      }),
    ).toEqual([]);
    expect(f.final()).toEqual({
      response: { text: "Hello", finish_reason: "LENGTH" },
      usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
    });
  });

  test("without a finish chunk or usage: STOP and no usage key", () => {
    const f = new InferenceStreamFolder();
    f.push(chunk({ content: "x" }));
    expect(f.final()).toEqual({ response: { text: "x", finish_reason: "STOP" } });
  });

  test("a recorded COHERE stream folds to the full text exactly once", () => {
    const evs = readFileSync(join(import.meta.dir, "..", "fixtures", "oci", "cohere-text.chunks.txt"), "utf8")
      .split(/\r?\n/)
      .filter((l) => l.startsWith("data:"))
      .map((l) => JSON.parse(l.slice(5)));
    const m = new CohereStreamMapper(META, true);
    const f = new InferenceStreamFolder();
    const deltas: string[] = [];
    const feed = (cs: ChatCompletionChunk[]) =>
      cs.forEach((c) => {
        deltas.push(...f.push(c).map((d) => d.delta));
      });
    feed([m.start()]);
    for (const e of evs) feed(m.push(e));
    feed(m.end());
    expect(deltas.join("")).toBe("Why did the penguin cross the road? To get to the other side.");
    expect(f.final()).toEqual({
      response: { text: "Why did the penguin cross the road? To get to the other side.", finish_reason: "STOP" },
      usage: { prompt_tokens: 22, completion_tokens: 15, total_tokens: 37 },
    });
  });
});
