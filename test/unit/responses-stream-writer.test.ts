/** The core's events as the Responses API's event stream (src/families/responses/stream-writer.ts). */
import { describe, expect, test } from "bun:test";
import type { ChatEvent } from "../../src/chat/types";
import { ApiError } from "../../src/errors/api-error";
import { responseShell } from "../../src/families/responses/render-response";
import { ResponseStreamWriter } from "../../src/families/responses/stream-writer";
import { planTools } from "../../src/families/responses/tools";
import { itemIdsFor } from "../../src/stored-responses/item-ids";

type Ev = { type: string; sequence_number: number; [k: string]: unknown };

function run(events: ChatEvent[], tools: unknown[] = []) {
  const plan = planTools(tools, undefined, false);
  const w = new ResponseStreamWriter(
    responseShell("resp_1", "llama", { input: "hi", tools } as never),
    plan,
    itemIdsFor("resp_1"),
  );
  const frames = [...w.start(), ...events.flatMap((e) => w.push(e)), ...w.end()];
  const out = frames.map((f) => {
    expect(f.event).toBe((f.data as Ev).type);
    return f.data as Ev;
  });
  return { out, types: out.map((e) => e.type), final: w.final!, writer: w };
}

const text = (t: string): ChatEvent => ({ type: "text", choice: 0, text: t });
const usage: ChatEvent = {
  type: "usage",
  usage: { inputTokens: 5, outputTokens: 3, totalTokens: 8, reasoningTokens: 1 },
};

describe("a text answer", () => {
  const { out, types, final } = run([text("Hel"), text("lo"), { type: "finish", choice: 0, reason: "stop" }, usage]);

  test("the events of OpenAI's order, sequence numbers growing from 0", () => {
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(out.map((e) => e.sequence_number)).toEqual(out.map((_, i) => i));
  });

  test("deltas leave as they came; done events carry the whole text and item", () => {
    expect(out.filter((e) => e.type === "response.output_text.delta").map((e) => e.delta)).toEqual(["Hel", "lo"]);
    expect(out.find((e) => e.type === "response.output_text.done")!.text).toBe("Hello");
    const done = out.find((e) => e.type === "response.output_item.done")!.item as {
      content: Array<{ text: string }>;
      status: string;
    };
    expect(done.content[0]!.text).toBe("Hello");
    expect(done.status).toBe("completed");
  });

  test("response.completed holds every output item and the usage", () => {
    const completed = out.at(-1)!.response as typeof final;
    expect(completed.id).toBe("resp_1");
    expect(completed.status).toBe("completed");
    expect(completed.output).toHaveLength(1);
    expect(completed.usage).toEqual({
      input_tokens: 5,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 3,
      output_tokens_details: { reasoning_tokens: 1 },
      total_tokens: 8,
    });
    expect(final).toEqual(completed);
  });

  test("created and in_progress carry the response in progress, with no output", () => {
    expect((out[0]!.response as { status: string; output: unknown[] }).status).toBe("in_progress");
    expect((out[1]!.response as { output: unknown[] }).output).toEqual([]);
  });
});

describe("reasoning, then text, then calls", () => {
  const tools = [
    { type: "function", name: "get_weather", parameters: { type: "object" } },
    { type: "namespace", name: "ns", description: "", tools: [{ type: "function", name: "f" }] },
    { type: "custom", name: "apply_patch" },
  ];
  const { out, types, final } = run(
    [
      { type: "reasoning", choice: 0, text: "think" },
      text("ok"),
      { type: "tool_call", choice: 0, index: 0, id: "call_1", name: "get_weather", arguments: '{"ci' },
      { type: "tool_arguments", choice: 0, index: 0, arguments: 'ty":"Paris"}' },
      { type: "tool_call", choice: 0, index: 1, id: "call_2", name: "ns__f", arguments: "{}" },
      { type: "tool_call", choice: 0, index: 2, id: "call_3", name: "apply_patch", arguments: '{"input":"*** x"}' },
      { type: "finish", choice: 0, reason: "tool_calls" },
    ],
    tools,
  );

  test("a reasoning item with summary events comes first and is closed before the message", () => {
    expect(types.slice(2, 5)).toEqual([
      "response.output_item.added",
      "response.reasoning_summary_part.added",
      "response.reasoning_summary_text.delta",
    ]);
    expect(types.indexOf("response.reasoning_summary_text.done")).toBeLessThan(
      types.indexOf("response.content_part.added"),
    );
  });

  test("a function call streams its arguments; the namespace's function comes back with its own name", () => {
    const deltas = out.filter((e) => e.type === "response.function_call_arguments.delta");
    expect(deltas.map((e) => e.delta)).toEqual(['{"ci', 'ty":"Paris"}', "{}"]);
    const items = final.output;
    expect(items.map((i) => i.type)).toEqual([
      "reasoning",
      "message",
      "function_call",
      "function_call",
      "custom_tool_call",
    ]);
    expect(items[2]).toMatchObject({
      call_id: "call_1",
      name: "get_weather",
      arguments: '{"city":"Paris"}',
      status: "completed",
    });
    expect(items[3]).toMatchObject({ call_id: "call_2", name: "f", namespace: "ns" });
    expect(items[4]).toMatchObject({
      type: "custom_tool_call",
      call_id: "call_3",
      name: "apply_patch",
      input: "*** x",
    });
  });

  test("each item is added before its deltas and done with its whole self; ids stay the same", () => {
    const added = out.filter((e) => e.type === "response.output_item.added").map((e) => (e.item as { id: string }).id);
    const done = out.filter((e) => e.type === "response.output_item.done").map((e) => (e.item as { id: string }).id);
    expect(new Set(added)).toEqual(new Set(done));
    expect(done).toEqual(final.output.map((i) => i.id));
    expect(types).toContain("response.custom_tool_call_input.done");
  });
});

describe("endings", () => {
  test("a length finish → response.incomplete with reason max_output_tokens", () => {
    const { types, final } = run([text("cut"), { type: "finish", choice: 0, reason: "length" }]);
    expect(types.at(-1)).toBe("response.incomplete");
    expect(final.incomplete_details).toEqual({ reason: "max_output_tokens" });
  });

  test("failed() is response.failed with the error's code and message and what was already sent", () => {
    const plan = planTools([], undefined, false);
    const w = new ResponseStreamWriter(
      responseShell("resp_2", "llama", { input: "hi" } as never),
      plan,
      itemIdsFor("resp_2"),
    );
    [...w.start(), ...w.push(text("half")), ...w.push(text(" way"))];
    const f = w.failed(new ApiError(502, "OCI went away", { type: "upstream_error", code: "upstream_unreachable" }));
    const data = f.data as { type: string; response: { status: string; error: unknown; output: unknown[] } };
    expect(f.event).toBe("response.failed");
    expect(data.response.status).toBe("failed");
    expect(data.response.error).toEqual({ code: "upstream_unreachable", message: "OCI went away" });
    // The text the deltas already carried, not the placeholder the item was announced with.
    expect(data.response.output).toEqual([
      {
        type: "message",
        id: expect.stringMatching(/^msg_/),
        role: "assistant",
        status: "incomplete",
        content: [{ type: "output_text", text: "half way", annotations: [], logprobs: [] }],
      },
    ]);
  });

  test("failed() keeps a reasoning summary and a function call's arguments as far as they came", () => {
    const tools = [{ type: "function", name: "lookup", parameters: { type: "object" } }];
    const plan = planTools(tools, undefined, false);
    const w = new ResponseStreamWriter(
      responseShell("resp_3", "llama", { input: "hi", tools } as never),
      plan,
      itemIdsFor("resp_3"),
    );
    w.start();
    w.push({ type: "reasoning", choice: 0, text: "thinking" });
    w.push({ type: "tool_call", choice: 0, index: 0, id: "call_1", name: "lookup", arguments: '{"q":' });
    w.push({ type: "tool_arguments", choice: 0, index: 0, arguments: '"x"' });
    const data = w.failed(new ApiError(502, "gone", { type: "upstream_error" })).data as {
      response: { output: unknown[] };
    };
    expect(data.response.output).toEqual([
      { type: "reasoning", id: expect.stringMatching(/^rs_/), summary: [{ type: "summary_text", text: "thinking" }] },
      expect.objectContaining({
        type: "function_call",
        call_id: "call_1",
        arguments: '{"q":"x"',
        status: "in_progress",
      }),
    ]);
  });

  test("the writer continues the response's id count: no output item takes an input item's id", () => {
    const newId = itemIdsFor("resp_0123456789abcdef0123456789abcdef");
    const inputIds = [newId("msg"), newId("fc")];
    const w = new ResponseStreamWriter(
      responseShell("resp_0123456789abcdef0123456789abcdef", "llama", { input: "hi" } as never),
      planTools([], undefined, false),
      newId,
    );
    w.start();
    w.push(text("hello"));
    w.end();
    const outputIds = w.final!.output.map((o) => (o as { id: string }).id);
    expect(outputIds).toHaveLength(1);
    expect(inputIds).not.toContain(outputIds[0]);
  });

  test("an agent turn puts its session on the response and its citations in the annotations", () => {
    const { final } = run([
      text("From the handbook."),
      {
        type: "agent",
        agent: {
          sessionId: "ocid1.genaiagentsession.x",
          citations: [{ title: "Handbook", sourceLocation: { url: "https://kb.example/h" } }],
          timeCreated: "2026-01-01T00:00:00Z",
        },
      },
      { type: "finish", choice: 0, reason: "stop" },
    ]);
    expect(final.agent).toEqual({
      session_id: "ocid1.genaiagentsession.x",
      citations: [{ title: "Handbook", sourceLocation: { url: "https://kb.example/h" } }],
    });
    const part = (final.output[0] as { content: Array<{ annotations: unknown[] }> }).content[0]!;
    expect(part.annotations).toEqual([
      { type: "url_citation", url: "https://kb.example/h", title: "Handbook", start_index: 0, end_index: 18 },
    ]);
  });
});

describe("item order and empty answers", () => {
  const call = (index: number, id: string, args: string): ChatEvent => ({
    type: "tool_call",
    choice: 0,
    index,
    id,
    name: "get_weather",
    arguments: args,
  });
  const more = (index: number, args: string): ChatEvent => ({
    type: "tool_arguments",
    choice: 0,
    index,
    arguments: args,
  });
  const tools = [{ type: "function", name: "get_weather", parameters: { type: "object" } }];

  // Codex keeps items in `output_item.done` order and replays them so: an item left open while
  // later ones came and went put the model's text after a call before that call.
  test("each item is done before the next is added: text, two calls, text", () => {
    const { out, final } = run(
      [
        text("Before."),
        call(0, "c1", '{"ci'),
        more(0, 'ty":"A"}'),
        call(1, "c2", "{}"),
        text("After."),
        { type: "finish", choice: 0, reason: "tool_calls" },
      ],
      tools,
    );
    const lifecycle = out
      .filter((e) => e.type === "response.output_item.added" || e.type === "response.output_item.done")
      .map((e) => `${e.type.endsWith("added") ? "+" : "-"}${e.output_index}`);
    expect(lifecycle).toEqual(["+0", "-0", "+1", "-1", "+2", "-2", "+3", "-3"]);
    const argsDone = out.find((e) => e.type === "response.function_call_arguments.done" && e.output_index === 1);
    expect(argsDone?.arguments).toBe('{"city":"A"}');
    expect(final.output.map((i) => i.type)).toEqual(["message", "function_call", "function_call", "message"]);
  });

  // The Agents SDK asks the model again, turn after turn, when a streamed answer has no output.
  test.each([
    ["nothing at all", [{ type: "finish", choice: 0, reason: "stop" }], ["message"]],
    [
      "only reasoning",
      [
        { type: "reasoning", choice: 0, text: "hmm" },
        { type: "finish", choice: 0, reason: "length" },
      ],
      ["reasoning", "message"],
    ],
  ])("%s: an empty message, as the whole response has", (_what, events, expected) => {
    const { out, final } = run(events as ChatEvent[]);
    expect(final.output.map((i) => i.type as string)).toEqual(expected);
    const message = final.output.at(-1) as { content: Array<{ text: string }> };
    expect(message.content[0]!.text).toBe("");
    expect(out.filter((e) => e.type === "response.output_item.done")).toHaveLength(expected.length);
  });
});
