/**
 * The OpenAI Responses API through the official `openai` npm client, unchanged, against the
 * compiled binary: one set of tests, run in TEST_MODE and on the real signed path via the fake OCI
 * server (where the converted chat requests OCI received are checked too). Create (text, items
 * with instructions, a function tool round trip, json_schema), the event stream, retrieve,
 * input_items, delete, previous_response_id chains and per-key isolation.
 * The Agents SDK and the AI SDK have their own files: responses-agents-sdk / responses-ai-sdk.
 */
import { beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { zodTextFormat } from "openai/helpers/zod";
import type {
  FunctionTool,
  ResponseFunctionToolCall,
  ResponseInputItem,
  ResponseStreamEvent,
} from "openai/resources/responses/responses";
import { z } from "zod";
import type { Gateway } from "../support/gateway";
import {
  CALL_TIMEOUT_MS,
  CLIENT_API_KEY,
  OTHER_API_KEY,
  ociTranscript,
  type ResponsesMode,
  responsesEnvForSuite,
  responsesModes,
} from "../support/responses-clients";

const env = responsesEnvForSuite();

const client = (g: Gateway, apiKey = CLIENT_API_KEY) =>
  new OpenAI({ baseURL: `${g.url}/v1`, apiKey, maxRetries: 0, timeout: CALL_TIMEOUT_MS });

/** The SDK returns a lazy APIPromise; settle it into the error it rejects with. */
const failure = (p: PromiseLike<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> =>
  Promise.resolve(p).then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
  );

const MODEL = "llama";

/** A short history in both message forms: string content and a list of parts. */
const THREE_MESSAGES: OpenAI.Responses.ResponseInput = [
  { role: "user", content: "Hi" },
  { role: "assistant", content: "Hello!" },
  { role: "user", content: [{ type: "input_text", text: "What is OCI?" }] },
];

/** `city` is an enum so TEST_MODE's schema example ("Paris") is the call the real path scripts. */
const weatherTool: FunctionTool = {
  type: "function",
  name: "get_weather",
  description: "Current weather for a city",
  parameters: {
    type: "object",
    properties: { city: { type: "string", enum: ["Paris", "Tokyo"] } },
    required: ["city"],
    additionalProperties: false,
  },
  strict: true,
};
const OCI_CALL = { id: "call_oci_1", name: "get_weather", arguments: '{"city":"Paris"}' };
/** The call id the client sees: OCI's own on the real path, TEST_MODE's simulated one offline. */
const callIdOf = (mode: ResponsesMode) => (mode.real ? OCI_CALL.id : "call_test_get_weather");

describe.each(responsesModes(env).map((m) => [m.name, m] as const))("openai SDK, Responses API — %s", (_n, mode) => {
  beforeEach(() => env().fake.clear());
  const c = () => client(mode.gw());

  test("responses.create with a string input answers one message, with usage", async () => {
    const r = await c().responses.create({ model: MODEL, input: "What is OCI?" });
    expect(r.object).toBe("response");
    expect(r.id).toMatch(/^resp_/);
    expect(r.status).toBe("completed");
    expect(r.model).toBe(MODEL);
    expect(r.output_text).toBe(mode.answer("What is OCI?"));
    expect(r.output).toHaveLength(1);
    const msg = r.output[0]!;
    expect(msg.type).toBe("message");
    if (msg.type !== "message") return;
    expect(msg.role).toBe("assistant");
    expect(msg.status).toBe("completed");
    expect(msg.content).toEqual([{ type: "output_text", text: r.output_text, annotations: [], logprobs: [] }]);
    expect(r.usage!.input_tokens).toBeGreaterThan(0);
    expect(r.usage!.output_tokens).toBeGreaterThan(0);
    expect(r.usage!.total_tokens).toBe(r.usage!.input_tokens + r.usage!.output_tokens);
    const sent = mode.sent();
    if (mode.real) {
      expect(sent).toHaveLength(1);
      expect(sent[0]!.apiFormat).toBe("GENERIC");
      expect(sent[0]!.isStream).toBe(false);
      expect(ociTranscript(sent[0]!)).toEqual(["USER: What is OCI?"]);
    }
  });

  test("item input with instructions: the instructions lead as a system message, earlier turns follow", async () => {
    const r = await c().responses.create({
      model: MODEL,
      instructions: "Answer in one sentence.",
      input: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello! How can I help?" },
        { type: "message", role: "user", content: [{ type: "input_text", text: "What is OCI?" }] },
      ],
    });
    expect(r.instructions).toBe("Answer in one sentence.");
    expect(r.output_text).toBe(mode.answer("What is OCI?"));
    const sent = mode.sent();
    if (mode.real) {
      expect(ociTranscript(sent[0]!)).toEqual([
        "SYSTEM: Answer in one sentence.",
        "USER: Hi",
        "ASSISTANT: Hello! How can I help?",
        "USER: What is OCI?",
      ]);
    }
  });

  test("function tool round trip: function_call item → function_call_output → final text", async () => {
    mode.scriptToolCall(OCI_CALL);
    const q = "What is the weather in Paris?";
    const input: ResponseInputItem[] = [{ role: "user", content: q }];
    const r1 = await c().responses.create({ model: MODEL, input, tools: [weatherTool] });
    expect(r1.status).toBe("completed");
    expect(r1.output_text).toBe("");
    expect(r1.output.map((i) => i.type)).toEqual(["function_call"]);
    const call = r1.output[0] as ResponseFunctionToolCall;
    expect(call.id).toMatch(/^fc_/);
    expect(call.call_id).toBe(callIdOf(mode));
    expect(call.name).toBe("get_weather");
    expect(call.status).toBe("completed");
    expect(JSON.parse(call.arguments)).toEqual({ city: "Paris" });
    expect(r1.tools).toEqual([weatherTool]);

    const r2 = await c().responses.create({
      model: MODEL,
      tools: [weatherTool],
      input: [
        ...input,
        call,
        { type: "function_call_output", call_id: call.call_id, output: JSON.stringify({ sky: "sunny", tempC: 21 }) },
      ],
    });
    expect(r2.status).toBe("completed");
    expect(r2.output.map((i) => i.type)).toEqual(["message"]);
    expect(r2.output_text).toBe(mode.answer(q));

    const sent = mode.sent();
    if (mode.real) {
      expect(sent).toHaveLength(2);
      expect(sent[0]!.tools).toEqual([
        {
          type: "FUNCTION",
          name: "get_weather",
          description: "Current weather for a city",
          parameters: weatherTool.parameters,
        },
      ]);
      expect(ociTranscript(sent[1]!)).toEqual([
        `USER: ${q}`,
        // Meta models reject a tool-call turn without text: the converter gives it a minimal one.
        `ASSISTANT: . call get_weather({"city":"Paris"})#call_oci_1`,
        `TOOL: #call_oci_1 {"sky":"sunny","tempC":21}`,
      ]);
    }
  });

  test("text.format json_schema: the answer is JSON of that schema (create, and parse with zodTextFormat)", async () => {
    const schema = {
      type: "object",
      properties: { city: { type: "string" }, tempC: { type: "integer" } },
      required: ["city", "tempC"],
      additionalProperties: false,
    };
    mode.scriptText('{"city":"Paris","tempC":21}');
    const r = await c().responses.create({
      model: MODEL,
      input: "The weather in Paris, as JSON",
      text: { format: { type: "json_schema", name: "weather", schema, strict: true } },
    });
    expect(r.text?.format).toEqual({ type: "json_schema", name: "weather", schema, strict: true });
    const json = JSON.parse(r.output_text) as { city: unknown; tempC: unknown };
    expect(typeof json.city).toBe("string");
    expect(Number.isInteger(json.tempC)).toBe(true);

    const Weather = z.object({ city: z.string(), tempC: z.number().int() });
    mode.scriptText('{"city":"Oslo","tempC":-3}');
    const parsed = await c().responses.parse({
      model: MODEL,
      input: "The weather in Oslo, as JSON",
      text: { format: zodTextFormat(Weather, "weather") },
    });
    expect(Weather.safeParse(parsed.output_parsed).success).toBe(true);

    const sent = mode.sent();
    if (mode.real) {
      expect(json).toEqual({ city: "Paris", tempC: 21 });
      expect(parsed.output_parsed).toEqual({ city: "Oslo", tempC: -3 });
      expect(sent[0]!.responseFormat).toEqual({
        type: "JSON_SCHEMA",
        jsonSchema: { name: "weather", schema, isStrict: true },
      });
      expect(sent[1]!.responseFormat).toMatchObject({ type: "JSON_SCHEMA", jsonSchema: { name: "weather" } });
    }
  });

  test("responses.stream: created, in_progress, the message's parts and deltas in order, completed with all", async () => {
    const q = "Tell me a story about clouds";
    const stream = c().responses.stream({ model: MODEL, input: q });
    const events: ResponseStreamEvent[] = [];
    for await (const e of stream) events.push(e);
    const final = await stream.finalResponse();

    const types = events.map((e) => e.type);
    expect(types.slice(0, 2)).toEqual(["response.created", "response.in_progress"]);
    expect(types.at(-1)).toBe("response.completed");
    expect(types.filter((t) => t === "response.completed")).toHaveLength(1);
    const seq = events.map((e) => e.sequence_number);
    expect(seq[0]).toBe(0);
    for (let i = 1; i < seq.length; i++) expect(seq[i]!).toBeGreaterThan(seq[i - 1]!);

    const at = (type: string) => types.indexOf(type as ResponseStreamEvent["type"]);
    const created = events[0] as Extract<ResponseStreamEvent, { type: "response.created" }>;
    expect(created.response.status).toBe("in_progress");
    expect(created.response.output).toEqual([]);

    const added = events[at("response.output_item.added")] as Extract<
      ResponseStreamEvent,
      { type: "response.output_item.added" }
    >;
    expect(added.item.type).toBe("message");
    expect(added.output_index).toBe(0);
    const itemId = added.item.id!;
    const partAdded = at("response.content_part.added");
    const firstDelta = at("response.output_text.delta");
    expect(at("response.output_item.added")).toBeLessThan(partAdded);
    expect(partAdded).toBeGreaterThan(-1);
    expect(partAdded).toBeLessThan(firstDelta);

    const deltas = events.filter(
      (e): e is Extract<ResponseStreamEvent, { type: "response.output_text.delta" }> =>
        e.type === "response.output_text.delta",
    );
    expect(deltas.length).toBeGreaterThan(1);
    for (const d of deltas) expect(d).toMatchObject({ item_id: itemId, output_index: 0, content_index: 0 });
    const text = deltas.map((d) => d.delta).join("");
    expect(text).toBe(mode.answer(q));

    const lastDelta = types.lastIndexOf("response.output_text.delta");
    const textDone = events[at("response.output_text.done")] as Extract<
      ResponseStreamEvent,
      { type: "response.output_text.done" }
    >;
    expect(at("response.output_text.done")).toBeGreaterThan(lastDelta);
    expect(textDone.text).toBe(text);
    expect(at("response.content_part.done")).toBeGreaterThan(at("response.output_text.done"));
    const itemDone = events[at("response.output_item.done")] as Extract<
      ResponseStreamEvent,
      { type: "response.output_item.done" }
    >;
    expect(at("response.output_item.done")).toBeGreaterThan(at("response.content_part.done"));
    expect(itemDone.item).toMatchObject({
      type: "message",
      id: itemId,
      status: "completed",
      content: [{ type: "output_text", text }],
    });

    const completed = events.at(-1) as Extract<ResponseStreamEvent, { type: "response.completed" }>;
    expect(completed.response.id).toBe(created.response.id);
    expect(completed.response.status).toBe("completed");
    expect(completed.response.output).toEqual([itemDone.item]);
    expect(completed.response.usage!.input_tokens).toBeGreaterThan(0);
    expect(completed.response.usage!.output_tokens).toBeGreaterThan(0);
    expect(completed.response.usage!.total_tokens).toBe(
      completed.response.usage!.input_tokens + completed.response.usage!.output_tokens,
    );
    expect(final.id).toBe(created.response.id);
    expect(final.output_text).toBe(text);

    const sent = mode.sent();
    if (mode.real) {
      expect(sent).toHaveLength(1);
      expect(sent[0]!.isStream).toBe(true);
      expect(ociTranscript(sent[0]!)).toEqual([`USER: ${q}`]);
    }
  });

  test("responses.stream with a function tool: the call's arguments stream, then output_item.done", async () => {
    mode.scriptToolCall(OCI_CALL);
    const stream = c().responses.stream({ model: MODEL, input: "What is the weather in Paris?", tools: [weatherTool] });
    const events: ResponseStreamEvent[] = [];
    for await (const e of stream) events.push(e);
    const final = await stream.finalResponse();

    const added = events.find((e) => e.type === "response.output_item.added");
    expect(added?.type === "response.output_item.added" && added.item).toMatchObject({
      type: "function_call",
      call_id: callIdOf(mode),
      name: "get_weather",
      status: "in_progress",
    });
    const args = events.map((e) => (e.type === "response.function_call_arguments.delta" ? e.delta : "")).join("");
    expect(JSON.parse(args)).toEqual({ city: "Paris" });
    const argsDone = events.find((e) => e.type === "response.function_call_arguments.done");
    expect(argsDone?.type === "response.function_call_arguments.done" && argsDone.arguments).toBe(args);
    const done = events.find((e) => e.type === "response.output_item.done");
    expect(done?.type === "response.output_item.done" && done.item).toMatchObject({
      type: "function_call",
      call_id: callIdOf(mode),
      arguments: args,
      status: "completed",
    });
    expect(events.at(-1)!.type).toBe("response.completed");
    expect(final.output).toHaveLength(1);
    expect(final.output[0]).toMatchObject({ type: "function_call", name: "get_weather", arguments: args });

    const sent = mode.sent();
    if (mode.real) {
      expect(sent[0]!.isStream).toBe(true);
      expect((sent[0]!.tools as Array<{ name: string }>).map((t) => t.name)).toEqual(["get_weather"]);
    }
  });

  test("responses.retrieve answers the stored response as create answered it", async () => {
    const r = await c().responses.create({ model: MODEL, input: "Remember this", metadata: { topic: "memo" } });
    const got = await c().responses.retrieve(r.id);
    expect(got).toEqual(r);
    expect(got.metadata).toEqual({ topic: "memo" });

    // A streamed response is stored too, as its response.completed event carried it.
    const stream = c().responses.stream({ model: MODEL, input: "Remember this too" });
    const streamed = await stream.finalResponse();
    const again = await c().responses.retrieve(streamed.id);
    // finalResponse() adds the SDK's own `parsed: null` to each text part; the rest is as stored.
    const unparsed = JSON.parse(JSON.stringify(streamed.output, (k, v) => (k === "parsed" ? undefined : v)));
    expect(again.output).toEqual(unparsed);
    expect(again.output_text).toBe(mode.answer("Remember this too"));
  });

  test("responses.inputItems.list pages the request's input items, newest first by default", async () => {
    const r = await c().responses.create({ model: MODEL, input: THREE_MESSAGES });
    const desc = await c().responses.inputItems.list(r.id);
    expect(desc.data).toHaveLength(3);
    expect(desc.has_more).toBe(false);
    expect(desc.data.map((i) => i.type)).toEqual(["message", "message", "message"]);
    expect(desc.data.map((i) => (i.type === "message" ? i.role : i.type))).toEqual(["user", "assistant", "user"]);
    const ids = desc.data.map((i) => i.id!);
    for (const id of ids) expect(id).toMatch(/^msg_/);
    expect(new Set(ids).size).toBe(3);

    const asc = await c().responses.inputItems.list(r.id, { order: "asc" });
    expect(asc.data.map((i) => i.id)).toEqual([...ids].reverse());

    const first = await c().responses.inputItems.list(r.id, { limit: 2 });
    expect(first.data.map((i) => i.id)).toEqual(ids.slice(0, 2));
    expect(first.has_more).toBe(true);
    expect(first.hasNextPage()).toBe(true);
    const next = await first.getNextPage();
    expect(next.data.map((i) => i.id)).toEqual(ids.slice(2));
    // The SDK's auto-pagination follows the `after` cursors to the end.
    const all: string[] = [];
    for await (const item of c().responses.inputItems.list(r.id, { limit: 1 })) all.push(item.id!);
    expect(all).toEqual(ids);
  });

  /**
   * The SDK types input items as ResponseItem, whose messages carry `content` as a list of
   * parts (ResponseInputMessageItem: input_text; ResponseOutputMessage: output_text with
   * annotations), as OpenAI answers them, even for a message sent with string content.
   */
  test("input items come back in the SDK's item shapes: message content is a list of parts", async () => {
    const r = await c().responses.create({ model: MODEL, input: THREE_MESSAGES });
    const items = await c().responses.inputItems.list(r.id, { order: "asc" });
    expect(items.data).toMatchObject([
      { type: "message", role: "user", content: [{ type: "input_text", text: "Hi" }] },
      {
        type: "message",
        role: "assistant",
        status: "completed",
        content: [{ type: "output_text", text: "Hello!", annotations: [] }],
      },
      { type: "message", role: "user", content: [{ type: "input_text", text: "What is OCI?" }] },
    ]);
    const plain = await c().responses.create({ model: MODEL, input: "Just a string" });
    const [only] = (await c().responses.inputItems.list(plain.id)).data;
    expect(only).toMatchObject({
      type: "message",
      role: "user",
      content: [{ type: "input_text", text: "Just a string" }],
    });
  });

  test("responses.delete removes the response: retrieve, input_items and a second delete are 404", async () => {
    const r = await c().responses.create({ model: MODEL, input: "Forget me" });
    await c().responses.delete(r.id);
    const gone = await failure(c().responses.retrieve(r.id));
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    expect(gone.status).toBe(404);
    expect(gone.code).toBe("response_not_found");
    expect(await failure(c().responses.inputItems.list(r.id))).toBeInstanceOf(OpenAI.NotFoundError);
    expect(await failure(c().responses.delete(r.id))).toBeInstanceOf(OpenAI.NotFoundError);
  });

  test("previous_response_id continues the conversation (instructions are not carried along)", async () => {
    const r1 = await c().responses.create({ model: MODEL, instructions: "Be brief.", input: "My name is Ada." });
    const r2 = await c().responses.create({ model: MODEL, input: "What is my name?", previous_response_id: r1.id });
    expect(r2.previous_response_id).toBe(r1.id);
    expect(r2.instructions).toBeNull();
    expect(r2.output_text).toBe(mode.answer("What is my name?"));
    const r3 = await c().responses.create({ model: MODEL, input: "And again?", previous_response_id: r2.id });
    expect(r3.output_text).toBe(mode.answer("And again?"));
    // Only this turn's input is the response's own.
    const items = await c().responses.inputItems.list(r3.id);
    expect(items.data).toHaveLength(1);

    const sent = mode.sent();
    if (mode.real) {
      expect(sent).toHaveLength(3);
      expect(ociTranscript(sent[0]!)).toEqual(["SYSTEM: Be brief.", "USER: My name is Ada."]);
      const turn1 = ["USER: My name is Ada.", `ASSISTANT: ${r1.output_text}`];
      expect(r1.output_text).toBe("Echo: My name is Ada.");
      expect(ociTranscript(sent[1]!)).toEqual([...turn1, "USER: What is my name?"]);
      expect(ociTranscript(sent[2]!)).toEqual([
        ...turn1,
        "USER: What is my name?",
        `ASSISTANT: ${r2.output_text}`,
        "USER: And again?",
      ]);
    }
  });

  test("previous_response_id continues a streamed turn and a tool call's output", async () => {
    mode.scriptToolCall(OCI_CALL);
    const q = "What is the weather in Paris?";
    const s1 = c().responses.stream({ model: MODEL, input: q, tools: [weatherTool] });
    const r1 = await s1.finalResponse();
    const call = r1.output[0] as ResponseFunctionToolCall;
    expect(call.type).toBe("function_call");
    const s2 = c().responses.stream({
      model: MODEL,
      tools: [weatherTool],
      previous_response_id: r1.id,
      input: [{ type: "function_call_output", call_id: call.call_id, output: "sunny, 21 °C" }],
    });
    const r2 = await s2.finalResponse();
    expect(r2.previous_response_id).toBe(r1.id);
    expect(r2.output_text).toBe(mode.answer(q));

    const sent = mode.sent();
    if (mode.real) {
      expect(ociTranscript(sent[1]!)).toEqual([
        `USER: ${q}`,
        `ASSISTANT: . call get_weather({"city":"Paris"})#call_oci_1`,
        "TOOL: #call_oci_1 sunny, 21 °C",
      ]);
    }
  });

  test("an unknown previous_response_id is a 404 previous_response_not_found, and OCI is not called", async () => {
    const e = await failure(
      c().responses.create({ model: MODEL, input: "Hello again", previous_response_id: "resp_00000000000000000000" }),
    );
    expect(e).toBeInstanceOf(OpenAI.NotFoundError);
    expect(e.status).toBe(404);
    expect(e.code).toBe("previous_response_not_found");
    expect(e.param).toBe("previous_response_id");
    // Streamed, the same error comes before any event, as the SDK's error class.
    const stream = c().responses.stream({
      model: MODEL,
      input: "Hello again",
      previous_response_id: "resp_00000000000000000000",
    });
    const se = await failure(stream.finalResponse());
    expect(se).toBeInstanceOf(OpenAI.NotFoundError);
    expect(se.code).toBe("previous_response_not_found");
    expect(mode.sent()).toEqual([]);
  });

  test("a second API key cannot see, list, continue or delete the first key's response", async () => {
    const mine = c();
    const theirs = client(mode.gw(), OTHER_API_KEY);
    const r = await mine.responses.create({ model: MODEL, input: "A secret of key one" });

    const hidden = await failure(theirs.responses.retrieve(r.id));
    expect(hidden).toBeInstanceOf(OpenAI.NotFoundError);
    expect(hidden.code).toBe("response_not_found");
    expect(await failure(theirs.responses.inputItems.list(r.id))).toBeInstanceOf(OpenAI.NotFoundError);
    expect(await failure(theirs.responses.delete(r.id))).toBeInstanceOf(OpenAI.NotFoundError);
    const chained = await failure(
      theirs.responses.create({ model: MODEL, input: "Tell me the secret", previous_response_id: r.id }),
    );
    expect(chained).toBeInstanceOf(OpenAI.NotFoundError);
    expect(chained.code).toBe("previous_response_not_found");

    // Still there for its owner; the other key's own responses are its own.
    expect((await mine.responses.retrieve(r.id)).output_text).toBe(mode.answer("A secret of key one"));
    const t = await theirs.responses.create({ model: MODEL, input: "A secret of key two" });
    expect((await theirs.responses.retrieve(t.id)).id).toBe(t.id);
    expect(await failure(mine.responses.retrieve(t.id))).toBeInstanceOf(OpenAI.NotFoundError);
    // A key that is not configured at all is turned away.
    expect(await failure(client(mode.gw(), "not-a-key").responses.retrieve(r.id))).toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    if (mode.real) expect(mode.sent()).toHaveLength(2);
  });
});
