/**
 * Shared set-up for the Responses API client suites (test/e2e/responses-*.test.ts): the compiled
 * binary in TEST_MODE and on the real signed path against the fake OCI server, both accepting
 * two API keys (API_KEYS), and the two modes the tests run in. On the real path the fake OCI is
 * scripted per request (a tool call or a text, streamed when the gateway asked for a stream) and
 * the tests read back the converted chat requests it received, each checked to be signed.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { binaryDir } from "./binary";
import {
  CLIENT_API_KEY,
  type ClientEnv,
  echoAnswer,
  genericToolCallJson,
  SETUP_TIMEOUT_MS,
  signedChatRequests,
  TEST_TIMEOUT_MS,
  testModeAnswer,
} from "./clients";
import { type FakeReply, type RecordedRequest, startFakeOci } from "./fake-oci";
import type { Gateway } from "./gateway";
import { startGateway } from "./gateway";
import { makeTestCredentials } from "./keys";

export { CALL_TIMEOUT_MS, CLIENT_API_KEY } from "./clients";

/** The second accepted key: its stored responses are its own. */
export const OTHER_API_KEY = "other-client-key";

type Rec = Record<string, unknown>;

/** Both gateways (TEST_MODE, real path) with API_KEYS holding CLIENT_API_KEY and OTHER_API_KEY. */
export async function startResponsesEnv(): Promise<ClientEnv> {
  const started: Array<{ stop(): Promise<unknown> }> = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
  };
  const API_KEYS = `${CLIENT_API_KEY},${OTHER_API_KEY}`;
  try {
    const a = await binaryDir();
    const testMode = await startGateway({ binary: a.bin, env: { TEST_MODE: "true", API_KEYS } });
    started.push(testMode);
    const b = await binaryDir();
    const creds = await makeTestCredentials(b.dir, { relativeKeyFile: true });
    const fake = await startFakeOci({ keys: [creds], streamGapMs: 5 });
    started.push(fake);
    const real = await startGateway({ binary: b.bin, env: { OCI_INFERENCE_ENDPOINT: fake.url, API_KEYS } });
    started.push(real);
    return { testMode, real, fake, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The environment of the calling test file, started before its tests and stopped after them. */
export function responsesEnvForSuite(): () => ClientEnv {
  let env: ClientEnv | undefined;
  setDefaultTimeout(TEST_TIMEOUT_MS);
  beforeAll(async () => {
    env = await startResponsesEnv();
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await env?.stop();
  });
  return () => {
    if (!env) throw new Error("the Responses client environment did not start");
    return env;
  };
}

export interface ToolCallScript {
  id: string;
  name: string;
  arguments: string;
}

/**
 * What differs between the two modes; the tests are one set, run in both. TEST_MODE simulates its
 * answers (a tool call when the user text names the tool, text otherwise and always right after
 * a tool result) and must not call OCI; on the real path the fake OCI answers: its default echoes
 * the last user text, and tests script tool calls and JSON answers.
 */
export interface ResponsesMode {
  name: string;
  real: boolean;
  gw(): Gateway;
  /** The text answer to a conversation whose last user text is `q`. */
  answer(q: string): string;
  /** Real path: OCI's next chat answer is this tool call (streamed if asked). TEST_MODE: nothing. */
  scriptToolCall(call: ToolCallScript): void;
  /** Real path: OCI's next chat answer is this text (streamed if asked). TEST_MODE: nothing. */
  scriptText(text: string): void;
  /** The chat requests OCI received, each checked to be validly signed; TEST_MODE checks there were none. */
  sent(): Rec[];
}

export function responsesModes(env: () => ClientEnv): ResponsesMode[] {
  const oci = () => env().fake;
  return [
    {
      name: "TEST_MODE",
      real: false,
      gw: () => env().testMode,
      answer: testModeAnswer,
      scriptToolCall: () => {},
      scriptText: () => {},
      sent: () => {
        expect(oci().requests).toEqual([]);
        return [];
      },
    },
    {
      name: "real path via fake OCI",
      real: true,
      gw: () => env().real,
      answer: echoAnswer,
      scriptToolCall: (call) =>
        oci().script("chat", (req) => (isStream(req) ? toolCallStream(call) : { json: genericToolCallJson(call) })),
      scriptText: (text) => oci().script("chat", (req) => (isStream(req) ? textStream(text) : textJson(text))),
      sent: () => signedChatRequests(oci()),
    },
  ];
}

const isStream = (req: RecordedRequest) => ((req.body as Rec).chatRequest as Rec).isStream === true;

const USAGE = { completionTokens: 12, promptTokens: 40, totalTokens: 52 };

/** A GENERIC stream carrying one tool call, its arguments in two pieces (OCI-WIRE §3.2). */
function toolCallStream(call: ToolCallScript): FakeReply {
  const half = Math.ceil(call.arguments.length / 2);
  const fn = (extra: Rec) => ({
    index: 0,
    message: { role: "ASSISTANT", toolCalls: [{ type: "FUNCTION", ...extra }] },
  });
  return {
    sse: [
      { index: 0, message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "" }] } },
      fn({ id: call.id, name: call.name }),
      fn({ arguments: call.arguments.slice(0, half) }),
      fn({ arguments: call.arguments.slice(half) }),
      { message: { role: "ASSISTANT", toolCalls: [{ type: "FUNCTION", arguments: "" }] }, finishReason: "tool_calls" },
      { usage: USAGE },
    ],
    done: true,
    gapMs: 2,
  };
}

/** A GENERIC stream of `text` in word-sized deltas. */
function textStream(text: string): FakeReply {
  const words = text.match(/\s*\S+/g) ?? [];
  return {
    sse: [
      ...words.map((w) => ({ index: 0, message: { role: "ASSISTANT", content: [{ type: "TEXT", text: w }] } })),
      { message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "" }] }, finishReason: "stop" },
      { usage: USAGE },
    ],
    done: true,
    gapMs: 2,
  };
}

function textJson(text: string): FakeReply {
  return {
    json: {
      modelId: "meta.llama-3.3-70b-instruct",
      modelVersion: "1.0.0",
      chatResponse: {
        apiFormat: "GENERIC",
        timeCreated: new Date().toISOString(),
        choices: [
          {
            index: 0,
            message: { role: "ASSISTANT", content: [{ type: "TEXT", text }], toolCalls: [] },
            finishReason: "stop",
          },
        ],
        usage: USAGE,
      },
    },
  };
}

/** An OCI GENERIC message as `ROLE: text` (text parts joined), for readable assertions. */
export function ociTranscript(chatRequest: Rec): string[] {
  return ((chatRequest.messages as Rec[] | undefined) ?? []).map((m) => {
    const text = ((m.content as Rec[] | undefined) ?? [])
      .filter((p) => p.type === "TEXT")
      .map((p) => String(p.text))
      .join(" ");
    const calls = ((m.toolCalls as Rec[] | undefined) ?? []).map((c) => ` call ${c.name}(${c.arguments})#${c.id}`);
    const result = m.role === "TOOL" ? ` #${m.toolCallId}` : "";
    return `${m.role}:${result} ${text}${calls.join("")}`.trimEnd();
  });
}

/** One request a client sent to the gateway, as a recording `fetch` saw it. */
export interface SentByClient {
  method: string;
  path: string;
  body: Rec | undefined;
}

/**
 * A `fetch` for a client's options that records what the client sends (method, path, JSON body)
 * and then sends it unchanged; with `origin`, to that origin (read per request), so a client
 * configured once (the Agents SDK's default client) reaches the gateway of the mode under test.
 */
export function recordingFetch(origin?: () => string): { fetch: typeof fetch; sent: SentByClient[] } {
  const sent: SentByClient[] = [];
  const recorder = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    let req = new Request(input, init);
    if (origin) {
      const url = new URL(req.url);
      req = new Request(new URL(url.pathname + url.search, origin()), req);
    }
    const text = req.method === "GET" || req.method === "HEAD" ? "" : await req.clone().text();
    let body: Rec | undefined;
    try {
      body = text ? (JSON.parse(text) as Rec) : undefined;
    } catch {
      body = undefined;
    }
    sent.push({ method: req.method, path: new URL(req.url).pathname, body });
    return fetch(req);
  };
  return { fetch: Object.assign(recorder, { preconnect: fetch.preconnect }) as typeof fetch, sent };
}
