/**
 * `n` above 1 in TEST_MODE: the gateway asks OCI for `numGenerations` and the mock answers one
 * choice per generation in OCI's GENERIC shapes, whole and streamed (src/mock/mock-transport.ts).
 */
import { describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { BASE_URL, makeTestApp } from "../support/app";

const app = makeTestApp();
const client = new OpenAI({ baseURL: `${BASE_URL}/v1`, apiKey: "k", maxRetries: 0, fetch: app.fetch });
const ECHO = "[TEST_MODE] Simulated response to: name three colors";
const messages = [{ role: "user" as const, content: "name three colors" }];

describe("/v1/chat/completions with n: 2", () => {
  test("two choices, indexes 0 and 1, each the whole answer; usage counts both", async () => {
    const one = await client.chat.completions.create({ model: "llama", messages });
    const two = await client.chat.completions.create({ model: "llama", messages, n: 2 });
    expect(two.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, ECHO, "stop"],
      [1, ECHO, "stop"],
    ]);
    expect(two.usage!.completion_tokens).toBe(2 * one.usage!.completion_tokens);
    expect(two.usage!.prompt_tokens).toBe(one.usage!.prompt_tokens);
  });

  test("streamed: each choice's deltas add up to the answer, each opens with its role and ends with its finish", async () => {
    const stream = await client.chat.completions.create({
      model: "llama",
      messages,
      n: 2,
      stream: true,
      stream_options: { include_usage: true },
    });
    const text = ["", ""];
    const roles: Array<string | undefined> = [undefined, undefined];
    const finishes: Array<string | null> = [null, null];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        expect(finishes[c.index]).toBeNull();
        roles[c.index] ??= c.delta.role;
        text[c.index] += c.delta.content ?? "";
        if (c.finish_reason) finishes[c.index] = c.finish_reason;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toEqual([ECHO, ECHO]);
    expect(roles).toEqual(["assistant", "assistant"]);
    expect(finishes).toEqual(["stop", "stop"]);
    expect(usage!.completion_tokens).toBeGreaterThan(0);
  });

  test("with a tool to call, every choice calls it", async () => {
    const tools = [
      {
        type: "function" as const,
        function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
      },
    ];
    const r = await client.chat.completions.create({ model: "llama", messages, tools, n: 2 });
    const called = (c: (typeof r.choices)[number]) =>
      (c.message.tool_calls?.[0] as { function?: { name: string } } | undefined)?.function?.name;
    expect(r.choices.map((c) => [c.index, c.finish_reason, called(c)])).toEqual([
      [0, "tool_calls", "get_weather"],
      [1, "tool_calls", "get_weather"],
    ]);
  });
});
