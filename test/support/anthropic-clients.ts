/**
 * Shared set-up for the Anthropic Messages API client suites (test/e2e/claude-code.test.ts,
 * anthropic-sdk.test.ts, anthropic-ai-sdk.test.ts): the compiled binary in TEST_MODE and on the
 * real signed path against the fake OCI server, logging one line per request (LOG_LEVEL=info).
 * Both run the two modes of test/support/responses-clients.ts (`responsesModes`: scripted OCI
 * answers, the signed chat requests OCI received).
 *
 * One alias more than the usual test models: `fast`, the small/fast model Claude Code's
 * background calls use (ANTHROPIC_DEFAULT_HAIKU_MODEL). On the real path it has an `endpoint` of
 * its own, a second fake OCI (`background`): Claude Code sends those calls without waiting for
 * them, at the same time as the next turn, so with one fake they would take each other's scripted
 * answers. With two, the main fake answers the turns in order and the background one the rest.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { binaryDir } from "./binary";
import { CLIENT_API_KEY, type ClientEnv, SETUP_TIMEOUT_MS, TEST_TIMEOUT_MS } from "./clients";
import { type FakeOci, startFakeOci } from "./fake-oci";
import { COMPARTMENT, type Gateway, startGateway, testModels, writeModels } from "./gateway";
import { makeTestCredentials } from "./keys";
import { ociTranscript, type ResponsesMode, type SentByClient } from "./responses-clients";

export { CALL_TIMEOUT_MS, CLIENT_API_KEY } from "./clients";
export { ociTranscript, recordingFetch, responsesModes, type SentByClient } from "./responses-clients";

/** The alias the clients ask for. */
export const MODEL = "llama";
/** The alias of Claude Code's background calls. */
export const SMALL_MODEL = "fast";
/** What `fast` serves (its OCI requests name this model). */
export const SMALL_MODEL_ID = "meta.llama-3.1-8b-instruct";

export interface AnthropicEnv extends ClientEnv {
  /** The real path's second fake OCI: it serves the `fast` alias only. */
  background: FakeOci;
}

/**
 * The test models plus `fast`, whose calls go to `endpoint` when given. Claude's own model names
 * resolve through `names` globs: its main models to `llama`, its small ones to `fast`.
 */
export function anthropicModels(endpoint?: string): Record<string, unknown> {
  const models = testModels();
  return {
    ...models,
    [MODEL]: { ...(models[MODEL] as Record<string, unknown>), names: ["claude-sonnet-*", "claude-opus-*"] },
    [SMALL_MODEL]: {
      id: SMALL_MODEL_ID,
      region: "us-chicago-1",
      compartmentId: COMPARTMENT,
      names: ["claude-*haiku*"],
      ...(endpoint ? { endpoint } : {}),
    },
  };
}

export async function startAnthropicEnv(): Promise<AnthropicEnv> {
  const started: Array<{ stop(): Promise<unknown> }> = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
  };
  const env = { API_KEY: CLIENT_API_KEY, LOG_LEVEL: "info" };
  try {
    const a = await binaryDir({ models: anthropicModels() });
    const testMode = await startGateway({ binary: a.bin, env: { ...env, TEST_MODE: "true" } });
    started.push(testMode);
    const b = await binaryDir();
    const creds = await makeTestCredentials(b.dir, { relativeKeyFile: true });
    const fake = await startFakeOci({ keys: [creds], streamGapMs: 5 });
    started.push(fake);
    const background = await startFakeOci({ keys: [creds], streamGapMs: 5 });
    started.push(background);
    writeModels(b.dir, anthropicModels(background.url));
    const real = await startGateway({ binary: b.bin, env: { ...env, OCI_INFERENCE_ENDPOINT: fake.url } });
    started.push(real);
    return { testMode, real, fake, background, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The environment of the calling test file, started before its tests and stopped (by pid) after them. */
export function anthropicEnvForSuite(testTimeoutMs = TEST_TIMEOUT_MS): () => AnthropicEnv {
  let env: AnthropicEnv | undefined;
  setDefaultTimeout(testTimeoutMs);
  beforeAll(async () => {
    env = await startAnthropicEnv();
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await env?.stop();
  });
  return () => {
    if (!env) throw new Error("the Anthropic client environment did not start");
    return env;
  };
}

type Rec = Record<string, unknown>;

/** The gateway's request log lines (`msg: "request"`) printed since `from`, an offset into its output. */
export function requestLog(g: Gateway, from: number): Rec[] {
  return g
    .output()
    .slice(from)
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Rec)
    .filter((l) => l.msg === "request");
}

/**
 * The request log lines since `from` once `count` of them match `where`. The gateway logs a
 * streamed request when its stream has closed, which may be just after the client read the last
 * event and moved on: wait for them (bounded).
 */
export async function loggedRequests(g: Gateway, from: number, where: Rec, count: number): Promise<Rec[]> {
  const matching = () => requestLog(g, from).filter((l) => Object.entries(where).every(([k, v]) => l[k] === v));
  const deadline = Date.now() + 3000;
  while (matching().length < count && Date.now() < deadline) await Bun.sleep(20);
  return matching();
}

/** The call OCI makes in the SDK suites' tool round trips (scripted on the real path). */
export const OCI_WEATHER_CALL = { id: "call_oci_1", name: "get_weather", arguments: '{"city":"Paris"}' };

/**
 * The tool_use id a client sees for that call: `toolu_` and OCI's call id on the real path,
 * TEST_MODE's simulated call id offline. Clients send it back as it is.
 */
export const weatherToolUseId = (mode: ResponsesMode) =>
  mode.real ? "toolu_call_oci_1" : "toolu_call_test_get_weather";

/**
 * OCI's second request of a weather round trip asked as `q` (real path): the question, the call
 * (with the minimal text Meta models need beside a call) and the tool's result, both under the
 * id the client sent back.
 */
export function expectWeatherRoundTripAtOci(chatRequest: Rec, q: string, result: string): void {
  const id = "toolu_call_oci_1";
  expect(ociTranscript(chatRequest)).toEqual([
    `USER: ${q}`,
    `ASSISTANT: . call get_weather(${OCI_WEATHER_CALL.arguments})#${id}`,
    `TOOL: #${id} ${result}`,
  ]);
}

/** Every call a client made (as a recordingFetch saw them) went to POST /v1/messages`suffix`, for MODEL. */
export function expectMessagesCalls(sent: SentByClient[], calls: number, suffix = ""): void {
  expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual(Array(calls).fill(`POST /v1/messages${suffix}`));
  for (const s of sent) expect(s.body!.model).toBe(MODEL);
}
