/**
 * The Vercel AI SDK (`ai` 6 + `@ai-sdk/openai`) on the Responses API (`openai.responses(...)`),
 * unchanged, against the compiled binary: generateText, streamText and a tool round trip, in
 * TEST_MODE and on the real signed path via the fake OCI server. A recording `fetch` given to
 * createOpenAI shows the SDK really used POST /v1/responses (not chat completions).
 */
import { beforeEach, describe, expect, test } from "bun:test";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, type ModelMessage, stepCountIs, streamText, tool } from "ai";
import { z } from "zod";
import { weatherRoundTrip } from "../support/ai-sdk-steps";
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

const MODEL = "llama";
const OCI_CALL = { id: "call_oci_1", name: "get_weather", arguments: '{"city":"Paris"}' };

/** Options every call gets: no retries (a failure must show), bounded in time. */
const bounded = () => ({ maxRetries: 0, abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) });

const weatherInput = z.object({ city: z.enum(["Paris", "Tokyo"]) });

describe.each(responsesModes(env).map((m) => [m.name, m] as const))("AI SDK, Responses API — %s", (_n, mode) => {
  let sent: SentByClient[] = [];
  let model: ReturnType<ReturnType<typeof createOpenAI>["responses"]>;
  beforeEach(() => {
    env().fake.clear();
    const rec = recordingFetch();
    sent = rec.sent;
    const openai = createOpenAI({ baseURL: `${mode.gw().url}/v1`, apiKey: CLIENT_API_KEY, fetch: rec.fetch });
    model = openai.responses(MODEL);
  });

  /** Every call the SDK made went to the Responses API. */
  const expectResponsesApi = (calls: number) => {
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual(Array(calls).fill("POST /v1/responses"));
    for (const s of sent) expect(s.body!.model).toBe(MODEL);
  };

  test("generateText answers the prompt, with usage and the response id", async () => {
    const r = await generateText({ model, system: "Be brief.", prompt: "What is OCI?", ...bounded() });
    expect(r.text).toBe(mode.answer("What is OCI?"));
    expect(r.finishReason).toBe("stop");
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    expect(r.usage.outputTokens).toBeGreaterThan(0);
    expect(r.usage.totalTokens).toBe(r.usage.inputTokens! + r.usage.outputTokens!);
    expect(r.response.id).toMatch(/^resp_/);
    expect(r.response.modelId).toBe(MODEL);
    expect(r.providerMetadata?.openai?.responseId).toBe(r.response.id);
    expectResponsesApi(1);
    expect(sent[0]!.body!.stream).toBeUndefined();
    const oci = mode.sent();
    if (mode.real) {
      expect(oci).toHaveLength(1);
      expect(oci[0]!.isStream).toBe(false);
      expect(ociTranscript(oci[0]!)).toEqual(["SYSTEM: Be brief.", "USER: What is OCI?"]);
    }
  });

  test("streamText: the text stream yields several chunks that add up to the answer", async () => {
    const errors: unknown[] = [];
    const q = "Tell me a story about clouds";
    const r = streamText({ model, prompt: q, ...bounded(), onError: ({ error }) => void errors.push(error) });
    const chunks: string[] = [];
    for await (const t of r.textStream) chunks.push(t);
    expect(errors).toEqual([]);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join("")).toBe(mode.answer(q));
    expect(await r.text).toBe(mode.answer(q));
    expect(await r.finishReason).toBe("stop");
    const usage = await r.usage;
    expect(usage.inputTokens).toBeGreaterThan(0);
    expect(usage.outputTokens).toBeGreaterThan(0);
    expect((await r.response).id).toMatch(/^resp_/);
    expectResponsesApi(1);
    expect(sent[0]!.body!.stream).toBe(true);
    const oci = mode.sent();
    if (mode.real) {
      expect(oci[0]!.isStream).toBe(true);
      expect(ociTranscript(oci[0]!)).toEqual([`USER: ${q}`]);
    }
  });

  test("tool round trip: the SDK runs get_weather, sends its output back and gets a text answer", async () => {
    mode.scriptToolCall(OCI_CALL);
    const executed: unknown[] = [];
    const q = "What is the weather in Paris?";
    const r = await generateText({
      model,
      prompt: q,
      tools: {
        get_weather: tool({
          description: "Current weather for a city",
          inputSchema: weatherInput,
          execute: async (input) => {
            executed.push(input);
            return { sky: "sunny", tempC: 21 };
          },
        }),
      },
      stopWhen: stepCountIs(3),
      ...bounded(),
    });
    const { call, output } = weatherRoundTrip(r);
    expect(call.toolCallId).toBe(callIdOf(mode));
    expect(call.input).toEqual({ city: "Paris" });
    expect(executed).toEqual([{ city: "Paris" }]);
    expect(output).toEqual({ sky: "sunny", tempC: 21 });
    expect(r.text).toBe(mode.answer(q));

    expectResponsesApi(2);
    const tools = sent[0]!.body!.tools as Array<{ type: string; name: string }>;
    expect(tools.map((t) => `${t.type} ${t.name}`)).toEqual(["function get_weather"]);
    const input = sent[1]!.body!.input as Array<{ type?: string; call_id?: string }>;
    expect(input.filter((i) => i.type === "function_call" || i.type === "function_call_output")).toEqual([
      expect.objectContaining({ type: "function_call", call_id: callIdOf(mode) }),
      expect.objectContaining({ type: "function_call_output", call_id: callIdOf(mode) }),
    ]);
    const oci = mode.sent();
    if (mode.real) {
      expect(oci).toHaveLength(2);
      expect((oci[0]!.tools as Array<{ name: string }>).map((t) => t.name)).toEqual(["get_weather"]);
      expect(ociTranscript(oci[1]!)).toEqual([
        `USER: ${q}`,
        `ASSISTANT: . call get_weather({"city":"Paris"})#call_oci_1`,
        `TOOL: #call_oci_1 {"sky":"sunny","tempC":21}`,
      ]);
    }
  });

  test("streamText with a tool: the streamed call runs and the second step streams the answer", async () => {
    mode.scriptToolCall(OCI_CALL);
    const executed: unknown[] = [];
    const q = "What is the weather in Paris?";
    const r = streamText({
      model,
      prompt: q,
      tools: {
        get_weather: tool({
          inputSchema: weatherInput,
          execute: async (input) => {
            executed.push(input);
            return "sunny";
          },
        }),
      },
      stopWhen: stepCountIs(3),
      ...bounded(),
    });
    const parts: string[] = [];
    let text = "";
    for await (const p of r.fullStream) {
      if (p.type === "error") throw p.error instanceof Error ? p.error : new Error(JSON.stringify(p.error));
      parts.push(p.type);
      if (p.type === "text-delta") text += p.text;
    }
    expect(executed).toEqual([{ city: "Paris" }]);
    expect(parts).toContain("tool-call");
    expect(parts).toContain("tool-result");
    expect(parts.indexOf("tool-result")).toBeLessThan(parts.indexOf("text-delta"));
    expect(text).toBe(mode.answer(q));
    expect((await r.steps).map((s) => s.finishReason)).toEqual(["tool-calls", "stop"]);
    expectResponsesApi(2);
    const oci = mode.sent();
    if (mode.real) for (const req of oci) expect(req.isStream).toBe(true);
  });
});

const callIdOf = (mode: ResponsesMode) => (mode.real ? OCI_CALL.id : "call_test_get_weather");

/**
 * A conversation continued with the first result's `response.messages`, as the AI SDK documents.
 * With `store` (its default) the SDK sends the earlier assistant message as
 * `{type: "item_reference", id: "msg_…"}`, the id of the stored output item; the gateway must
 * put the stored answer back in its place. Only the real path shows what reached the model.
 */
describe("AI SDK, Responses API — real path via fake OCI: multi-turn", () => {
  beforeEach(() => env().fake.clear());
  const real = () => responsesModes(env).find((m) => m.real)!;

  test("a second generateText with the first result's response.messages keeps the earlier answer", async () => {
    const rec = recordingFetch();
    const openai = createOpenAI({ baseURL: `${real().gw().url}/v1`, apiKey: CLIENT_API_KEY, fetch: rec.fetch });
    const model = openai.responses(MODEL);
    const messages: ModelMessage[] = [{ role: "user", content: "My name is Ada." }];
    const first = await generateText({ model, messages, ...bounded() });
    expect(first.text).toBe("Echo: My name is Ada.");
    messages.push(...first.response.messages, { role: "user", content: "What is my name?" });
    const second = await generateText({ model, messages, ...bounded() });
    expect(second.text).toBe("Echo: What is my name?");
    // The SDK refers to the stored answer by its item id (OpenAI resolves it on its side) ...
    expect(rec.sent[1]!.body!.input).toEqual([
      { role: "user", content: [{ type: "input_text", text: "My name is Ada." }] },
      { type: "item_reference", id: expect.stringMatching(/^msg_/) },
      { role: "user", content: [{ type: "input_text", text: "What is my name?" }] },
    ]);
    // ... so the model must get that answer back as the assistant's turn.
    const oci = real().sent();
    expect(ociTranscript(oci[1]!)).toEqual([
      "USER: My name is Ada.",
      "ASSISTANT: Echo: My name is Ada.",
      "USER: What is my name?",
    ]);
  });
});
