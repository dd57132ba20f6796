/**
 * The Responses API through the real app in-process (TEST_MODE, app.handle): every model format
 * and agent aliases, streamed and not, stored responses per key and their chains, and what must
 * happen when things fail (nothing half-stored, `response.failed`, 503 when the store is down).
 */
import { describe, expect, test } from "bun:test";
import { UpstreamError } from "../../src/errors/upstream-error";
import { createMockTransport } from "../../src/mock/mock-transport";
import type { OciTransport } from "../../src/oci/transport";
import { MemorySessionStore } from "../../src/state/memory";
import { type StoredResponse, StoreUnavailableError } from "../../src/state/types";
import { makeTestApp } from "../support/app";
import { COMPARTMENT, testModels } from "../support/gateway";

const MODELS = testModels({
  "command-a": { id: "cohere.command-a-03-2025", region: "us-chicago-1", compartmentId: COMPARTMENT },
  "command-a-vision": { id: "cohere.command-a-vision", region: "us-chicago-1", compartmentId: COMPARTMENT },
});

type Call = ReturnType<typeof makeTestApp>["call"];
const create = (call: Call, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call("/v1/responses", { method: "POST", json: { model: "llama", ...body }, headers });

/** SSE `event:`/`data:` frames of a Responses stream, parsed. */
async function events(r: Response): Promise<Array<{ event: string; data: Record<string, unknown> }>> {
  const text = await r.text();
  return text
    .split("\n\n")
    .filter((f) => f.startsWith("event: "))
    .map((f) => {
      const [head, data] = f.split("\n");
      return { event: head!.slice(7), data: JSON.parse(data!.slice(6)) };
    });
}

/** TEST_MODE's transport, keeping every chat request OCI would have been sent. */
function recordingMock(): { spy: OciTransport; sent: unknown[] } {
  const transport = createMockTransport();
  const sent: unknown[] = [];
  const spy: OciTransport = {
    ...transport,
    chat: (t, d, o) => {
      sent.push(d);
      return transport.chat(t, d, o);
    },
  };
  return { spy, sent };
}

/** A GENERIC chat request's messages as [role, first text]. */
const turns = (sent: unknown) =>
  (
    sent as { chatRequest: { messages: Array<{ role: string; content: Array<{ text: string }> }> } }
  ).chatRequest.messages.map((m) => [m.role, m.content[0]!.text]);

const outputText = (response: Record<string, unknown>) =>
  (response.output as Array<{ type: string; content?: Array<{ text: string }> }>)
    .filter((i) => i.type === "message")
    .map((i) => i.content![0]!.text)
    .join("");

describe("every model format and agents", () => {
  const { call } = makeTestApp({ models: MODELS });
  for (const model of ["llama", "command-a", "command-a-vision", "my-agent"]) {
    test(`${model}: a whole answer and a stream say the same`, async () => {
      const whole = await (await create(call, { model, input: "ping" })).json();
      expect(whole.object).toBe("response");
      expect(whole.status).toBe("completed");
      expect(whole.model).toBe(model);
      expect(outputText(whole)).toBe("[TEST_MODE] Simulated response to: ping");
      const evs = await events(await create(call, { model, input: "ping", stream: true }));
      expect(evs[0]!.event).toBe("response.created");
      expect(evs.at(-1)!.event).toBe("response.completed");
      const deltas = evs.filter((e) => e.event === "response.output_text.delta").map((e) => e.data.delta);
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.join("")).toBe("[TEST_MODE] Simulated response to: ping");
      expect(evs.map((e) => e.data.sequence_number)).toEqual(evs.map((_, i) => i));
      // Usage too, agents included (their tokens come in OCI's traces), the same either way.
      expect(whole.usage.output_tokens).toBeGreaterThan(0);
      expect((evs.at(-1)!.data.response as { usage: unknown }).usage).toEqual(whole.usage);
    });
  }

  test("reasoning.effort, which Codex sends every turn, reaches GENERIC models that may reason and is left out for COHERE and Meta's", async () => {
    const { spy, sent } = recordingMock();
    const app = makeTestApp({ models: MODELS, transport: spy });
    for (const model of ["gpt5", "command-a", "llama"]) {
      const r = await create(app.call, { model, input: "ping", reasoning: { effort: "high" } });
      expect(r.status).toBe(200);
    }
    const [generic, cohere, meta] = sent as Array<{ chatRequest: Record<string, unknown> }>;
    expect(generic!.chatRequest.reasoningEffort).toBe("HIGH");
    expect(cohere!.chatRequest.apiFormat).toBe("COHERE");
    expect("reasoningEffort" in cohere!.chatRequest).toBe(false);
    expect("reasoningEffort" in meta!.chatRequest).toBe(false);
  });

  test("/genai/{alias}/v1/responses: the path's alias answers whatever the body's model says", async () => {
    const r = await call("/genai/command-a/v1/responses", {
      method: "POST",
      json: { model: "placeholder", input: "hi" },
    });
    expect((await r.json()).model).toBe("command-a");
  });
});

describe("stored responses", () => {
  test("input_items: limit is 1 to 100, and a bad one is a 400 naming 'limit'", async () => {
    const { call } = makeTestApp();
    const input = ["a", "b", "c"].map((t) => ({ role: "user", content: t }));
    const created = await (await create(call, { input })).json();
    const items = (q: string) => call(`/v1/responses/${created.id}/input_items?${q}`);
    expect((await (await items("limit=1")).json()).data).toHaveLength(1);
    expect((await (await items("limit=100")).json()).data).toHaveLength(3);
    expect((await (await items("limit=003")).json()).data).toHaveLength(3);
    for (const bad of ["limit=0", "limit=101", "limit=1.5", "limit=-1", "limit=abc", "limit="]) {
      const r = await items(bad);
      expect(r.status).toBe(400);
      expect((await r.json()).error).toMatchObject({
        message: "Invalid value for 'limit': expected an integer ≥ 1 and ≤ 100",
        param: "limit",
        code: "invalid_value",
      });
    }
  });

  test("retrieve answers the response as created; input_items pages newest first; delete forgets it", async () => {
    const { call } = makeTestApp();
    const input = ["a", "b", "c"].map((t) => ({ role: "user", content: t }));
    const created = await (await create(call, { input, instructions: "be brief", metadata: { k: "v" } })).json();
    expect(created.instructions).toBe("be brief");
    expect(created.metadata).toEqual({ k: "v" });
    expect(await (await call(`/v1/responses/${created.id}`)).json()).toEqual(created);
    const page = await (await call(`/v1/responses/${created.id}/input_items?limit=2`)).json();
    expect(page.object).toBe("list");
    const texts = (items: Array<{ content: Array<{ text: string }> }>) => items.map((i) => i.content[0]?.text);
    expect(texts(page.data)).toEqual(["c", "b"]);
    expect(page.has_more).toBe(true);
    const rest = await (await call(`/v1/responses/${created.id}/input_items?after=${page.last_id}`)).json();
    expect(texts(rest.data)).toEqual(["a"]);
    const asc = await (await call(`/v1/responses/${created.id}/input_items?order=asc`)).json();
    expect(texts(asc.data)).toEqual(["a", "b", "c"]);
    expect(asc.data[0]).toMatchObject({ type: "message", role: "user", status: "completed" });
    expect(asc.data[0].content).toEqual([{ type: "input_text", text: "a" }]);
    expect(asc.data.every((i: { id: string }) => i.id.startsWith("msg_"))).toBe(true);
    const del = await call(`/v1/responses/${created.id}`, { method: "DELETE" });
    expect(await del.json()).toEqual({ id: created.id, object: "response", deleted: true });
    expect((await call(`/v1/responses/${created.id}`)).status).toBe(404);
    expect((await call(`/v1/responses/${created.id}`, { method: "DELETE" })).status).toBe(404);
  });

  test("input_items: before goes back a page, in either order; a cursor naming nothing is an empty page", async () => {
    const { call } = makeTestApp();
    const input = ["m0", "m1", "m2", "m3", "m4"].map((t) => ({ role: "user", content: t }));
    const { id } = await (await create(call, { input })).json();
    const page = async (q: string) => {
      const p = await (await call(`/v1/responses/${id}/input_items?${q}`)).json();
      return { texts: p.data.map((i: { content: Array<{ text: string }> }) => i.content[0]!.text), p };
    };
    const p1 = await page("limit=2");
    const p2 = await page(`limit=2&after=${p1.p.last_id}`);
    const p3 = await page(`limit=2&after=${p2.p.last_id}`);
    expect([p1.texts, p2.texts, p3.texts]).toEqual([["m4", "m3"], ["m2", "m1"], ["m0"]]);
    const back = await page(`limit=2&before=${p3.p.first_id}`);
    expect(back.texts).toEqual(["m2", "m1"]);
    expect(back.p.has_more).toBe(true);
    const first = await page(`limit=2&before=${back.p.first_id}`);
    expect(first.texts).toEqual(["m4", "m3"]);
    expect(first.p.has_more).toBe(false);
    const asc = await page("order=asc");
    const last = asc.p.data[4].id as string;
    expect((await page(`order=asc&limit=2&before=${last}`)).texts).toEqual(["m2", "m3"]);
    for (const q of ["after=msg_nothing", "before=msg_nothing"]) expect((await page(q)).texts).toEqual([]);
  });

  test("store: false keeps nothing; it cannot be retrieved or continued", async () => {
    const { call } = makeTestApp();
    const r = await (await create(call, { input: "hi", store: false })).json();
    expect(r.store).toBe(false);
    expect((await call(`/v1/responses/${r.id}`)).status).toBe(404);
    const next = await create(call, { input: "more", previous_response_id: r.id });
    expect(next.status).toBe(404);
    expect((await next.json()).error.code).toBe("previous_response_not_found");
  });

  test("previous_response_id puts the chain before the new input (not its instructions)", async () => {
    const store = new MemorySessionStore();
    const { spy, sent } = recordingMock();
    const { call } = makeTestApp({ transport: spy, stateStore: store });
    const first = await (await create(call, { input: "first question", instructions: "rule one" })).json();
    const second = await (await create(call, { input: "second question", previous_response_id: first.id })).json();
    expect(second.previous_response_id).toBe(first.id);
    expect(turns(sent[1])).toEqual([
      ["USER", "first question"],
      ["ASSISTANT", "[TEST_MODE] Simulated response to: first question"],
      ["USER", "second question"],
    ]);
  });

  test("an item_reference is replaced by the stored item it names; one to nothing of this key's is a 404", async () => {
    const { spy, sent } = recordingMock();
    const { call } = makeTestApp({ transport: spy, env: { API_KEYS: "key-a,key-b" } });
    const a = { authorization: "Bearer key-a" };
    const first = await (await create(call, { input: "first question" }, a)).json();
    const answerId = first.output[0].id as string;
    expect(answerId).toMatch(/^msg_[0-9a-f]{40}$/);
    const input = [
      { role: "user", content: "first question" },
      { type: "item_reference", id: answerId },
      { role: "user", content: "second question" },
    ];
    const second = await create(call, { input }, a);
    expect(second.status).toBe(200);
    expect(turns(sent[1])).toEqual([
      ["USER", "first question"],
      ["ASSISTANT", "[TEST_MODE] Simulated response to: first question"],
      ["USER", "second question"],
    ]);
    // input_items keeps the item itself, not the reference.
    const items = await (
      await call(`/v1/responses/${(await second.json()).id}/input_items?order=asc`, { headers: a })
    ).json();
    expect(items.data[1]).toMatchObject({ id: answerId, type: "message", role: "assistant" });

    const other = await create(call, { input }, { authorization: "Bearer key-b" });
    expect(other.status).toBe(404);
    expect((await other.json()).error).toMatchObject({ code: "item_not_found", param: "input[1].id" });
    for (const id of ["msg_unknown", `msg_${"0".repeat(40)}`]) {
      const r = await create(call, { input: [{ type: "item_reference", id }] }, a);
      expect(r.status).toBe(404);
      expect((await r.json()).error.code).toBe("item_not_found");
    }
    expect(sent).toHaveLength(2);
  });

  test("a streamed response's items have ids of their own: a reference to its input finds the input", async () => {
    const { spy, sent } = recordingMock();
    const { call } = makeTestApp({ transport: spy });
    const evs = await events(await create(call, { input: "count to 3", stream: true }));
    const done = evs.find((e) => e.event === "response.completed")!.data.response as {
      id: string;
      output: Array<{ id: string }>;
    };
    const kept = await (await call(`/v1/responses/${done.id}/input_items`)).json();
    const inputIds = (kept.data as Array<{ id: string }>).map((i) => i.id);
    const outputIds = done.output.map((o) => o.id);
    expect(inputIds).toHaveLength(1);
    expect(outputIds).toHaveLength(1);
    expect(outputIds).not.toContain(inputIds[0]);
    const again = await create(call, { input: [{ type: "item_reference", id: inputIds[0] }] });
    expect(again.status).toBe(200);
    expect(sent).toHaveLength(1); // the stream went through chatStream
    expect(turns(sent[0])).toEqual([["USER", "count to 3"]]);
  });

  test("a key sees only its own responses", async () => {
    const { call } = makeTestApp({ env: { API_KEYS: "key-a,key-b" } });
    const a = { authorization: "Bearer key-a" };
    const b = { authorization: "Bearer key-b" };
    const r = await (await create(call, { input: "secret" }, a)).json();
    expect((await call(`/v1/responses/${r.id}`, { headers: b })).status).toBe(404);
    expect((await call(`/v1/responses/${r.id}/input_items`, { headers: b })).status).toBe(404);
    expect((await call(`/v1/responses/${r.id}`, { method: "DELETE", headers: b })).status).toBe(404);
    const chained = await create(call, { input: "x", previous_response_id: r.id }, b);
    expect(chained.status).toBe(404);
    expect((await chained.json()).error.param).toBe("previous_response_id");
    expect((await call(`/v1/responses/${r.id}`, { headers: a })).status).toBe(200);
  });

  test("a stored response expires after RESPONSES_TTL_SECONDS", async () => {
    const { call } = makeTestApp({ env: { RESPONSES_TTL_SECONDS: "0.2" } });
    const r = await (await create(call, { input: "brief" })).json();
    expect((await call(`/v1/responses/${r.id}`)).status).toBe(200);
    await Bun.sleep(300); // the TTL passing is the behaviour under test
    expect((await call(`/v1/responses/${r.id}`)).status).toBe(404);
  });

  test("a chain lives as long as its newest turn: each new turn keeps the earlier ones for the whole TTL again", async () => {
    const { spy, sent } = recordingMock();
    const { call } = makeTestApp({ transport: spy, env: { RESPONSES_TTL_SECONDS: "0.5" } });
    const a = await (await create(call, { input: "first" })).json();
    await Bun.sleep(300);
    const b = await (await create(call, { input: "second", previous_response_id: a.id })).json();
    await Bun.sleep(300); // a's own TTL is over; b kept it
    expect((await call(`/v1/responses/${a.id}`)).status).toBe(200);
    const c = await create(call, { input: "third", previous_response_id: b.id });
    expect(c.status).toBe(200);
    expect(turns(sent.at(-1)).map(([, t]) => t)).toEqual([
      "first",
      "[TEST_MODE] Simulated response to: first",
      "second",
      "[TEST_MODE] Simulated response to: second",
      "third",
    ]);
  });

  test("a chain whose earlier turn was deleted is a 404 naming that turn, not a shorter conversation", async () => {
    const { spy, sent } = recordingMock();
    const { call } = makeTestApp({ transport: spy });
    const a = await (await create(call, { input: "first" })).json();
    const b = await (await create(call, { input: "second", previous_response_id: a.id })).json();
    expect((await call(`/v1/responses/${a.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await call(`/v1/responses/${b.id}`)).status).toBe(200);
    const r = await create(call, { input: "third", previous_response_id: b.id });
    expect(r.status).toBe(404);
    const e = (await r.json()).error;
    expect(e).toMatchObject({ param: "previous_response_id", code: "previous_response_not_found" });
    expect(e.message).toContain(`'${a.id}'`);
    expect(e.message).toContain("earlier response");
    expect(sent).toHaveLength(2);
  });

  test("an agent chain is one OCI session; a new chain opens another", async () => {
    const { call } = makeTestApp();
    const one = await (await create(call, { model: "my-agent", input: "hello" })).json();
    const two = await (await create(call, { model: "my-agent", input: "again", previous_response_id: one.id })).json();
    const other = await (await create(call, { model: "my-agent", input: "hello" })).json();
    expect(one.agent.session_id).toBeTruthy();
    expect(two.agent.session_id).toBe(one.agent.session_id);
    expect(other.agent.session_id).not.toBe(one.agent.session_id);
    expect(outputText(two)).toBe("[TEST_MODE] Simulated response to: again");
  });
});

describe("tools", () => {
  const { call } = makeTestApp();
  const tools = [
    { type: "function", name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
    { type: "function", name: "exec_command", parameters: { type: "object", properties: { cmd: { type: "string" } } } },
    { type: "web_search" },
  ];

  test("a named tool is called; its output continues the chain to a text answer", async () => {
    const r = await create(call, { input: "what is the weather in Paris", tools });
    expect(r.headers.get("x-ocigenai-ignored-tools")).toBe("web_search");
    const first = await r.json();
    const fc = first.output.find((i: { type: string }) => i.type === "function_call");
    expect(fc).toMatchObject({ name: "get_weather", status: "completed" });
    expect(JSON.parse(fc.arguments)).toHaveProperty("city");
    const second = await (
      await create(call, {
        previous_response_id: first.id,
        tools,
        input: [{ type: "function_call_output", call_id: fc.call_id, output: "sunny" }],
      })
    ).json();
    expect(second.output.map((i: { type: string }) => i.type)).toEqual(["message"]);
  });

  test("say hello with many tools → text, as a coding agent needs", async () => {
    const r = await (await create(call, { input: "say hello", tools })).json();
    expect(outputText(r)).toBe("[TEST_MODE] Simulated response to: say hello");
  });

  test("STRICT_TOOLS=true refuses a hosted tool naming it", async () => {
    const strict = makeTestApp({ env: { STRICT_TOOLS: "true" } });
    const r = await create(strict.call, { input: "x", tools });
    expect(r.status).toBe(400);
    expect((await r.json()).error.param).toBe("tools[2].type");
  });
});

describe("bad input and failures", () => {
  const { call } = makeTestApp();
  test.each([
    [{ background: true }, "background"],
    [{ input: 5 }, "input"],
    [{ input: [{ type: "nope" }] }, "input[0].type"],
    [{ temperature: 3 }, "temperature"],
    [{ max_output_tokens: 0 }, "max_output_tokens"],
    [{ text: { format: { type: "xml" } } }, "text.format"],
    [{ model: "no-such-alias" }, "model"],
  ])("%j → 4xx naming %s", async (body, param) => {
    const r = await create(call, { input: "x", ...body });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect((await r.json()).error.param).toBe(param);
  });

  // A nullable field (`X | null`) a value of X's kind fails: the failure inside X is the one named.
  test.each([
    [{ temperature: 3 }, "temperature", "expected a number ≥ 0 and ≤ 2"],
    [{ max_output_tokens: 0 }, "max_output_tokens", "expected an integer ≥ 1"],
    [
      { reasoning: { effort: "bogus" } },
      "reasoning.effort",
      "expected one of none, minimal, low, medium, high, xhigh (or null)",
    ],
    [
      { metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) },
      "metadata",
      "16 properties",
    ],
    [{ metadata: { a: "v".repeat(513) } }, "metadata.a", "512"],
    [
      { text: { format: { type: "json_schema", schema: { type: "object" } } } },
      "text.format.name",
      "Missing required parameter",
    ],
    [{ input: [null] }, "input[0]", "expected an object, got null"],
  ])("%j → 400 naming %s: %s", async (body, param, says) => {
    const r = await create(call, { input: "x", ...body });
    expect(r.status).toBe(400);
    const e = (await r.json()).error;
    expect(e.param).toBe(param);
    expect(e.message).toContain(says);
    expect(e.message).not.toContain("got an object");
  });

  // The instructions, earlier turns and merged calls shift the chat core's own numbering.
  test("the chat core's 400s name the client's item: an unknown file after instructions", async () => {
    const r = await create(call, {
      instructions: "be brief",
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "read this" },
            { type: "input_file", file_id: "file-nope" },
          ],
        },
      ],
    });
    expect(r.status).toBe(404);
    const e = (await r.json()).error;
    expect(e).toMatchObject({ code: "file_not_found", param: "input[0].content[1]" });
  });

  test("the chat core's 400s name the client's item: an image on a text-only COHERE model", async () => {
    const r = await create(makeTestApp({ models: MODELS }).call, {
      model: "command-a",
      instructions: "be brief",
      input: [
        { role: "user", content: "hi" },
        { type: "function_call", call_id: "c1", name: "f", arguments: "{}" },
        { type: "function_call_output", call_id: "c1", output: "done" },
        {
          role: "user",
          content: [
            { type: "input_text", text: "and this?" },
            { type: "input_image", image_url: "data:image/png;base64,iVBORw0KGgo=" },
          ],
        },
      ],
      tools: [{ type: "function", name: "f", parameters: { type: "object" } }],
    });
    expect(r.status).toBe(400);
    const e = (await r.json()).error;
    expect(e.param).toBe("input[3].content[1]");
    expect(e.message).toContain("'input[3].content[1]'");
    expect(e.message).not.toContain("messages[");
  });

  // Codex's view_image and an Agents SDK tool that returns a screenshot answer with an image.
  test("a tool output holding an image: the image goes to the model in a user message after the outputs", async () => {
    const { spy, sent } = recordingMock();
    const app = makeTestApp({ models: MODELS, transport: spy });
    const png = "data:image/png;base64,iVBORw0KGgo=";
    const input = [
      { role: "user", content: "what is in red.png?" },
      { type: "function_call", call_id: "c1", name: "view_image", arguments: '{"path":"red.png"}' },
      { type: "function_call_output", call_id: "c1", output: [{ type: "input_image", image_url: png }] },
    ];
    const tools = [{ type: "function", name: "view_image", parameters: { type: "object" } }];
    const r = await create(app.call, { input, tools });
    expect(r.status).toBe(200);
    const messages = (
      sent[0] as { chatRequest: { messages: Array<{ role: string; content: Array<Record<string, unknown>> }> } }
    ).chatRequest.messages;
    expect(messages.map((m) => m.role)).toEqual(["USER", "ASSISTANT", "TOOL", "USER"]);
    expect(messages[3]!.content.map((c) => c.type)).toEqual(["TEXT", "IMAGE"]);

    // A model that reads text only is told what it cannot see: Codex resends the image every
    // turn, so a 400 would end the session (an image the user sent is still refused).
    const cohere = await create(app.call, { model: "command-a", input, tools });
    expect(cohere.status).toBe(200);
    const history = (
      sent[1] as { chatRequest: { chatHistory: Array<{ role: string; message?: string }>; message: string } }
    ).chatRequest;
    expect(JSON.stringify(history)).toContain("[an image the tool returned, which this model cannot read]");
  });

  // A client's tool type is its own text: with a line break in it the answer could not be sent
  // (after OCI was paid), and the request never ended, holding its key's lease.
  test("a made-up tool type with a line break: answered, the header naming it '(unnamed)'", async () => {
    const r = await create(makeTestApp().call, {
      input: "hi",
      tools: [{ type: "web_search" }, { type: "evil\r\nset-cookie: x=1" }],
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("x-ocigenai-ignored-tools")).toBe("web_search, (unnamed)");
  });

  /** A store whose response operations are down (sessions still work). */
  class DownStore extends MemorySessionStore {
    puts = 0;
    override async putResponse(_r: StoredResponse, _ttl: number): Promise<void> {
      this.puts++;
      throw new StoreUnavailableError("memory", new Error("down"));
    }
  }

  test("the store down → 503 for a stored response; store: false still answers", async () => {
    const { call } = makeTestApp({ stateStore: new DownStore() });
    const r = await create(call, { input: "x" });
    expect(r.status).toBe(503);
    expect((await r.json()).error.code).toBe("store_unavailable");
    expect((await create(call, { input: "x", store: false })).status).toBe(200);
    const stream = await events(await create(call, { input: "x", stream: true }));
    expect(stream.at(-1)!.event).toBe("response.failed");
    expect((stream.at(-1)!.data.response as { error: { code: string } }).error.code).toBe("store_unavailable");
  });

  test("a call that fails stores nothing: 502, and no put", async () => {
    const store = new DownStore();
    const broken: OciTransport = {
      ...createMockTransport(),
      chat: () => Promise.reject(new UpstreamError("network", "connection refused")),
    };
    const { call } = makeTestApp({ transport: broken, stateStore: store });
    const r = await create(call, { input: "x" });
    expect(r.status).toBe(502);
    expect(store.puts).toBe(0);
  });

  test("a stream that breaks after its first event ends with response.failed and stores nothing", async () => {
    const store = new DownStore();
    const inner = createMockTransport();
    const breaking: OciTransport = {
      ...inner,
      async chatStream(t, d, o) {
        const s = await inner.chatStream(t, d, o);
        async function* cut() {
          let n = 0;
          for await (const ev of s.events) {
            if (++n === 3) throw new UpstreamError("network", "connection reset");
            yield ev;
          }
        }
        return { ...s, events: cut() };
      },
    };
    const { call } = makeTestApp({ transport: breaking, stateStore: store });
    const evs = await events(await create(call, { input: "tell me a story", stream: true }));
    const last = evs.at(-1)!;
    expect(last.event).toBe("response.failed");
    const response = last.data.response as { status: string; error: { message: string } };
    expect(response.status).toBe("failed");
    expect(response.error.message).toContain("connection reset");
    expect(evs.some((e) => e.event === "response.completed")).toBe(false);
    expect(store.puts).toBe(0);
  });
});
