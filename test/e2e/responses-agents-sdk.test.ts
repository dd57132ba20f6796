/**
 * The OpenAI Agents SDK (`@openai/agents`) on the Responses API, unchanged, against the compiled
 * binary: an agent with function tools runs (calls a tool, then answers), streamed and not, and a
 * second run continues the first through `previousResponseId`. One set of tests, run in TEST_MODE
 * (where the simulated model calls the tool the user names, and answers text right after a tool
 * result) and on the real signed path via the fake OCI server (scripted: a tool call, then text).
 */
import { beforeEach, describe, expect, test } from "bun:test";
import {
  Agent,
  type AgentInputItem,
  run,
  setDefaultOpenAIClient,
  setOpenAIAPI,
  setTracingDisabled,
  tool,
} from "@openai/agents";
import OpenAI from "openai";
import { z } from "zod";
import {
  CALL_TIMEOUT_MS,
  CLIENT_API_KEY,
  ociTranscript,
  type ResponsesMode,
  recordingFetch,
  responsesEnvForSuite,
  responsesModes,
  type SentByClient,
} from "../support/responses-clients";

const env = responsesEnvForSuite();

setTracingDisabled(true);
setOpenAIAPI("responses");

const MODEL = "llama";
const Q = "What is the weather in Paris?";
const WEATHER = "sunny, 21 °C";
const OCI_CALL = { id: "call_oci_1", name: "get_weather", arguments: '{"city":"Paris"}' };

/** Two tools, so TEST_MODE's choice depends on the words of the question, as with a real model. */
function weatherAgent(executed: unknown[]) {
  const getWeather = tool({
    name: "get_weather",
    description: "Current weather for a city",
    parameters: z.object({ city: z.enum(["Paris", "Tokyo"]) }),
    execute: async (input) => {
      executed.push(input);
      return `${WEATHER} in ${input.city}`;
    },
  });
  const getLocalTime = tool({
    name: "get_local_time",
    description: "The local time in a time zone",
    parameters: z.object({ timezone: z.enum(["Europe/Paris", "Asia/Tokyo"]) }),
    execute: async () => "12:00",
  });
  return new Agent({
    name: "Weather assistant",
    instructions: "You answer questions about the weather. Use the tools.",
    model: MODEL,
    tools: [getWeather, getLocalTime],
  });
}

/** The function call and its output among a run's new items, as the SDK reports them. */
function toolItems(items: Array<{ type: string; rawItem?: unknown }>) {
  const call = items.find((i) => i.type === "tool_call_item")?.rawItem as
    | { type: string; name: string; callId: string; arguments: string }
    | undefined;
  const output = items.find((i) => i.type === "tool_call_output_item")?.rawItem as
    | { type: string; callId: string; output: unknown }
    | undefined;
  return { call, output };
}

const callIdOf = (mode: ResponsesMode) => (mode.real ? OCI_CALL.id : "call_test_get_weather");

/**
 * One default client for the file, as an application sets it up. The SDK's default runner keeps
 * the first client it is given for the life of the process, so its requests are routed to the
 * gateway of the mode under test (and recorded) by its `fetch`.
 */
let current: ResponsesMode | undefined;
const routed = recordingFetch(() => {
  if (!current) throw new Error("no mode under test");
  return current.gw().url;
});
setDefaultOpenAIClient(
  new OpenAI({
    baseURL: "http://ocigenai.invalid/v1",
    apiKey: CLIENT_API_KEY,
    maxRetries: 0,
    timeout: CALL_TIMEOUT_MS,
    fetch: routed.fetch,
  }),
);

describe.each(responsesModes(env).map((m) => [m.name, m] as const))("Agents SDK, Responses API — %s", (_n, mode) => {
  const sent: SentByClient[] = routed.sent;
  beforeEach(() => {
    env().fake.clear();
    sent.length = 0;
    current = mode;
  });

  /** Every model call of the run went to POST /v1/responses. */
  const expectResponsesApi = (calls: number) => {
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual(Array(calls).fill("POST /v1/responses"));
    for (const s of sent) expect(s.body!.model).toBe(MODEL);
  };

  /** On the real path: OCI got the tools, then the call and its result, all signed. */
  const expectOciToolRoundTrip = () => {
    const oci = mode.sent();
    if (!mode.real) return;
    expect(oci).toHaveLength(2);
    expect((oci[0]!.tools as Array<{ name: string }>).map((t) => t.name)).toEqual(["get_weather", "get_local_time"]);
    expect(ociTranscript(oci[0]!)).toEqual([expect.stringMatching(/^SYSTEM: You answer/), `USER: ${Q}`]);
    expect(ociTranscript(oci[1]!).slice(1)).toEqual([
      `USER: ${Q}`,
      `ASSISTANT: . call get_weather(${OCI_CALL.arguments})#call_oci_1`,
      `TOOL: #call_oci_1 ${WEATHER} in Paris`,
    ]);
  };

  test("run: the agent calls get_weather, gets its result and answers in text", async () => {
    mode.scriptToolCall(OCI_CALL);
    const executed: unknown[] = [];
    const result = await run(weatherAgent(executed), Q, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    expect(executed).toEqual([{ city: "Paris" }]);
    const { call, output } = toolItems(result.newItems);
    expect(call).toMatchObject({ type: "function_call", name: "get_weather", callId: callIdOf(mode) });
    expect(JSON.parse(call!.arguments)).toEqual({ city: "Paris" });
    expect(output).toMatchObject({ type: "function_call_result", callId: callIdOf(mode) });
    expect(result.finalOutput).toBe(mode.answer(Q));
    expect(result.rawResponses).toHaveLength(2);
    expect(result.lastResponseId).toMatch(/^resp_/);
    expect(result.state.usage.totalTokens).toBeGreaterThan(0);
    expectResponsesApi(2);
    // The second model call carried the whole turn: the call and its output.
    const second = sent[1]!.body!.input as Array<{ type?: string; call_id?: string }>;
    expect(second.filter((i) => i.type === "function_call" || i.type === "function_call_output")).toEqual([
      expect.objectContaining({ type: "function_call", call_id: callIdOf(mode) }),
      expect.objectContaining({ type: "function_call_output", call_id: callIdOf(mode) }),
    ]);
    expectOciToolRoundTrip();
  });

  test("run streamed: the text stream adds up to the answer; completed resolves after the tool round trip", async () => {
    mode.scriptToolCall(OCI_CALL);
    const executed: unknown[] = [];
    const result = await run(weatherAgent(executed), Q, {
      stream: true,
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    const eventTypes: string[] = [];
    const rawTypes: string[] = [];
    const chunks: string[] = [];
    for await (const ev of result) {
      eventTypes.push(ev.type === "run_item_stream_event" ? `${ev.type}:${ev.name}` : ev.type);
      if (ev.type !== "raw_model_stream_event") continue;
      // What toTextStream() reads: the text deltas of the model's answers.
      if (ev.data.type === "output_text_delta") chunks.push(ev.data.delta);
      if (ev.data.type === "model") rawTypes.push((ev.data.event as { type: string }).type);
    }
    await result.completed;
    expect(result.error).toBeNull();
    expect(executed).toEqual([{ city: "Paris" }]);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join("")).toBe(mode.answer(Q));
    expect(result.finalOutput).toBe(mode.answer(Q));
    expect(eventTypes).toContain("run_item_stream_event:tool_called");
    expect(eventTypes).toContain("run_item_stream_event:tool_output");
    expect(eventTypes).toContain("run_item_stream_event:message_output_created");
    expect(eventTypes.indexOf("run_item_stream_event:tool_output")).toBeLessThan(
      eventTypes.indexOf("run_item_stream_event:message_output_created"),
    );
    // Two model calls, each a whole Responses event stream.
    expect(rawTypes.filter((t) => t === "response.created")).toHaveLength(2);
    expect(rawTypes.filter((t) => t === "response.completed")).toHaveLength(2);
    expect(rawTypes).toContain("response.function_call_arguments.delta");
    expect(rawTypes).toContain("response.output_text.delta");
    expect(result.lastResponseId).toMatch(/^resp_/);
    // Usage reaches the run from each stream's response.completed.
    expect(result.state.usage.requests).toBe(2);
    expect(result.state.usage.outputTokens).toBeGreaterThan(0);
    expectResponsesApi(2);
    for (const s of sent) expect(s.body!.stream).toBe(true);
    const oci = mode.sent();
    if (mode.real) {
      for (const r of oci) expect(r.isStream).toBe(true);
      expectOciToolRoundTrip();
    }
  });

  test("a second run with previousResponseId continues the first one's conversation", async () => {
    mode.scriptToolCall(OCI_CALL);
    const executed: unknown[] = [];
    const agent = weatherAgent(executed);
    const first = await run(agent, Q, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    expect(first.finalOutput).toBe(mode.answer(Q));
    const previousResponseId = first.lastResponseId!;
    expect(previousResponseId).toMatch(/^resp_/);

    const q2 = "Thanks! Please say goodbye.";
    const second = await run(agent, q2, { previousResponseId, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    expect(second.finalOutput).toBe(mode.answer(q2));
    // Neither tool is named, and no tool was called again.
    expect(toolItems(second.newItems).call).toBeUndefined();
    expect(executed).toHaveLength(1);
    expect(second.lastResponseId).not.toBe(previousResponseId);

    // And streamed, read as the SDK's text stream, continuing the second run.
    const q3 = "Please repeat that.";
    const third = await run(agent, q3, {
      stream: true,
      previousResponseId: second.lastResponseId,
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    const chunks: string[] = [];
    for await (const chunk of third.toTextStream()) chunks.push(chunk);
    await third.completed;
    expect(third.error).toBeNull();
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join("")).toBe(mode.answer(q3));
    expect(third.finalOutput).toBe(mode.answer(q3));

    expectResponsesApi(4);
    expect(sent[3]!.body!.previous_response_id).toBe(second.lastResponseId);
    const body = sent[2]!.body!;
    expect(body.previous_response_id).toBe(previousResponseId);
    // Only the new turn is sent: the gateway supplies the rest from the stored chain.
    expect(body.input as AgentInputItem[]).toEqual([expect.objectContaining({ role: "user", content: q2 })]);

    const oci = mode.sent();
    if (mode.real) {
      expect(oci).toHaveLength(4);
      const firstRun = [
        expect.stringMatching(/^SYSTEM: You answer/),
        `USER: ${Q}`,
        `ASSISTANT: . call get_weather(${OCI_CALL.arguments})#call_oci_1`,
        `TOOL: #call_oci_1 ${WEATHER} in Paris`,
        `ASSISTANT: ${mode.answer(Q)}`,
      ];
      expect(ociTranscript(oci[2]!)).toEqual([...firstRun, `USER: ${q2}`]);
      expect(oci[3]!.isStream).toBe(true);
      expect(ociTranscript(oci[3]!)).toEqual([
        ...firstRun,
        `USER: ${q2}`,
        `ASSISTANT: ${mode.answer(q2)}`,
        `USER: ${q3}`,
      ]);
    }
  });
});
