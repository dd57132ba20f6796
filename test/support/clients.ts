/**
 * Shared set-up for the third-party client tests (LangChain, Vercel AI SDK): one compiled binary
 * in TEST_MODE, one on the real signed path against the fake OCI server, and helpers to read what
 * the fake received.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { genericChatResponse } from "../../src/mock/generic-chat-response";
import { binaryDir } from "./binary";
import { type FakeOci, type RecordedRequest, startFakeOci } from "./fake-oci";
import { type Gateway, startGateway } from "./gateway";
import { makeTestCredentials } from "./keys";

export const CLIENT_API_KEY = "client-key";

/** Bound for one client call (the gateway answers in milliseconds; this only catches hangs). */
export const CALL_TIMEOUT_MS = 10_000;
/** Bound for one test. */
export const TEST_TIMEOUT_MS = 20_000;
/** Bound for building the binary and starting the processes. */
export const SETUP_TIMEOUT_MS = 120_000;

export const testModeAnswer = (q: string) => `[TEST_MODE] Simulated response to: ${q}`;
export const echoAnswer = (q: string) => `Echo: ${q}`;

export interface ClientEnv {
  testMode: Gateway;
  real: Gateway;
  fake: FakeOci;
  stop(): Promise<void>;
}

export async function startClientEnv(): Promise<ClientEnv> {
  const started: Array<{ stop(): Promise<unknown> }> = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
  };
  try {
    const a = await binaryDir();
    const testMode = await startGateway({ binary: a.bin, env: { TEST_MODE: "true", API_KEY: CLIENT_API_KEY } });
    started.push(testMode);
    const b = await binaryDir();
    const creds = await makeTestCredentials(b.dir, { relativeKeyFile: true });
    const fake = await startFakeOci({ keys: [creds], streamGapMs: 5 });
    started.push(fake);
    const real = await startGateway({
      binary: b.bin,
      env: { OCI_INFERENCE_ENDPOINT: fake.url, API_KEY: CLIENT_API_KEY },
    });
    started.push(real);
    return { testMode, real, fake, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * The environment of the calling test file: started before its tests, stopped after them, read
 * through the returned function; the file's tests are bounded by TEST_TIMEOUT_MS.
 */
export function clientEnvForSuite(): () => ClientEnv {
  let env: ClientEnv | undefined;
  setDefaultTimeout(TEST_TIMEOUT_MS);
  beforeAll(async () => {
    env = await startClientEnv();
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await env?.stop();
  });
  return () => {
    if (!env) throw new Error("the client environment did not start");
    return env;
  };
}

type Rec = Record<string, unknown>;

/** The `chatRequest` of every chat call the fake received, each checked to be validly signed. */
export function signedChatRequests(fake: FakeOci): Rec[] {
  const reqs: RecordedRequest[] = fake.requestsFor("chat");
  for (const r of reqs) {
    expect(r.signatureError).toBeUndefined();
    expect(r.signatureOk).toBe(true);
  }
  return reqs.map((r) => (r.body as Rec).chatRequest as Rec);
}

/**
 * Asserts OCI received `get_weather` as a flat GENERIC tool (OCI-WIRE §2.2):
 * `{type:"FUNCTION", name, description?, parameters}` with no nested `function` object.
 */
export function expectFlatWeatherTool(chatRequest: Rec): void {
  expect(chatRequest.apiFormat).toBe("GENERIC");
  const tools = chatRequest.tools as Rec[];
  expect(Array.isArray(tools)).toBe(true);
  expect(tools).toHaveLength(1);
  const t = tools[0]!;
  expect(t.type).toBe("FUNCTION");
  expect(t.name).toBe("get_weather");
  expect(t).not.toHaveProperty("function");
  const params = t.parameters as Rec;
  expect(params.type).toBe("object");
  expect((params.properties as Rec).city).toMatchObject({ type: "string" });
}

/** A non-streamed GENERIC OCI answer carrying one tool call (OCI-WIRE §2.3). */
export function genericToolCallJson(call: { id: string; name: string; arguments: string }): unknown {
  return {
    modelId: "meta.llama-3.3-70b-instruct",
    modelVersion: "1.0.0",
    chatResponse: genericChatResponse(
      { text: "", toolCalls: [call], finishReason: "tool_calls" },
      { completionTokens: 12, promptTokens: 40, totalTokens: 52 },
    ),
  };
}

/** The tool call in test/fixtures/oci/generic-tool-call.chunks.txt. */
export const FIXTURE_TOOL_CALL = {
  id: "chatcmpl-tool-e78c4b1f0a2d4c93",
  name: "get_weather",
  args: { city: "Paris", unit: "celsius" },
};
