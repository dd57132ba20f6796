/**
 * The Vercel AI SDK (`ai` 6 + `@ai-sdk/anthropic` 3) on the Anthropic Messages API, unchanged,
 * against the compiled binary: generateText, streamText and tool round trips with stopWhen, in
 * TEST_MODE and on the real signed path via the fake OCI server. A recording `fetch` given to
 * createAnthropic shows the SDK really used POST /v1/messages.
 */
import { beforeEach, describe, expect, test } from "bun:test";
import { createAnthropic } from "@ai-sdk/anthropic";
import { generateText, stepCountIs, streamText, tool } from "ai";
import { z } from "zod";
import { weatherRoundTrip } from "../support/ai-sdk-steps";
import {
  anthropicEnvForSuite,
  CALL_TIMEOUT_MS,
  CLIENT_API_KEY,
  expectMessagesCalls,
  expectWeatherRoundTripAtOci,
  MODEL,
  OCI_WEATHER_CALL,
  ociTranscript,
  recordingFetch,
  responsesModes,
  type SentByClient,
  weatherToolUseId,
} from "../support/anthropic-clients";

const env = anthropicEnvForSuite();

/**
 * Options every call gets: no retries (a failure must show), bounded in time, and an explicit
 * output limit (for a model id it does not know, the SDK would otherwise pick one and warn).
 */
const bounded = () => ({ maxRetries: 0, abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS), maxOutputTokens: 256 });

/** An enum, so TEST_MODE's schema example ("Paris") is the call the real path scripts. */
const weatherInput = z.object({ city: z.enum(["Paris", "Tokyo"]) });

describe.each(responsesModes(env).map((m) => [m.name, m] as const))("AI SDK, Anthropic provider — %s", (_n, mode) => {
  let sent: SentByClient[] = [];
  let model: ReturnType<ReturnType<typeof createAnthropic>>;
  beforeEach(() => {
    env().fake.clear();
    const rec = recordingFetch();
    sent = rec.sent;
    model = createAnthropic({ baseURL: `${mode.gw().url}/v1`, apiKey: CLIENT_API_KEY, fetch: rec.fetch })(MODEL);
  });

  test("generateText answers the prompt, with usage and the message id", async () => {
    const q = "What is OCI?";
    const r = await generateText({ model, system: "Be brief.", prompt: q, ...bounded() });
    expect(r.text).toBe(mode.answer(q));
    expect(r.finishReason).toBe("stop");
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    expect(r.usage.outputTokens).toBeGreaterThan(0);
    expect(r.response.id).toMatch(/^msg_/);
    expect(r.response.modelId).toBe(MODEL);
    expect(r.warnings ?? []).toEqual([]);
    expectMessagesCalls(sent, 1);
    expect(sent[0]!.body!.stream).toBeUndefined();
    expect(sent[0]!.body!.max_tokens).toBe(256);
    const oci = mode.sent();
    if (mode.real) {
      expect(oci).toHaveLength(1);
      expect(oci[0]!.isStream).toBe(false);
      expect(ociTranscript(oci[0]!)).toEqual(["SYSTEM: Be brief.", `USER: ${q}`]);
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
    expect((await r.response).id).toMatch(/^msg_/);
    expectMessagesCalls(sent, 1);
    expect(sent[0]!.body!.stream).toBe(true);
    const oci = mode.sent();
    if (mode.real) {
      expect(oci[0]!.isStream).toBe(true);
      expect(ociTranscript(oci[0]!)).toEqual([`USER: ${q}`]);
    }
  });

  test("tool round trip with stopWhen: the SDK runs get_weather, sends its result back and gets a text answer", async () => {
    mode.scriptToolCall(OCI_WEATHER_CALL);
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
    expect(call.toolCallId).toBe(weatherToolUseId(mode));
    expect(call.input).toEqual({ city: "Paris" });
    expect(executed).toEqual([{ city: "Paris" }]);
    expect(output).toEqual({ sky: "sunny", tempC: 21 });
    expect(r.text).toBe(mode.answer(q));

    expectMessagesCalls(sent, 2);
    const tools = sent[0]!.body!.tools as Array<{ name: string }>;
    expect(tools.map((t) => t.name)).toEqual(["get_weather"]);
    // The second request carries the call and its result as Anthropic blocks.
    const blocks = (sent[1]!.body!.messages as Array<{ content: Array<Record<string, unknown>> }>).flatMap(
      (m) => m.content,
    );
    expect(blocks.find((b) => b.type === "tool_use")).toMatchObject({
      id: weatherToolUseId(mode),
      name: "get_weather",
      input: { city: "Paris" },
    });
    expect(blocks.find((b) => b.type === "tool_result")).toMatchObject({ tool_use_id: weatherToolUseId(mode) });
    const oci = mode.sent();
    if (mode.real) {
      expect(oci).toHaveLength(2);
      expect((oci[0]!.tools as Array<{ name: string }>).map((t) => t.name)).toEqual(["get_weather"]);
      expectWeatherRoundTripAtOci(oci[1]!, q, '{"sky":"sunny","tempC":21}');
    }
  });

  test("streamText with a tool and stopWhen: the streamed call runs and the second step streams the answer", async () => {
    mode.scriptToolCall(OCI_WEATHER_CALL);
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
    expect(await r.text).toBe(mode.answer(q));
    expectMessagesCalls(sent, 2);
    for (const s of sent) expect(s.body!.stream).toBe(true);
    const oci = mode.sent();
    if (mode.real) for (const req of oci) expect(req.isStream).toBe(true);
  });
});
