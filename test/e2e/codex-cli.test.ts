/**
 * The Codex CLI itself (@openai/codex 0.171, headless `codex exec`) against the compiled binary,
 * with the gateway as its only model provider (Responses API, streamed): a text turn and a shell
 * tool round trip, each in TEST_MODE and on the real signed path through the fake OCI server.
 * Codex's configuration, and what each option is for, is in test/support/codex-cli.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { BINARY_SETUP_TIMEOUT_MS, binaryDir } from "../support/binary";
import { CODEX_TIMEOUT_MS, type CodexRun, describeRun, runCodexExec } from "../support/codex-cli";
import { type FakeOci, startFakeOci } from "../support/fake-oci";
import { type Gateway, startGateway } from "../support/gateway";
import { makeTestCredentials } from "../support/keys";

const API_KEY = "codex-key";
/** A test runs Codex once; its bound is above Codex's own, so an overrun shows Codex's output. */
const TEST_TIMEOUT_MS = CODEX_TIMEOUT_MS + 10_000;

let testMode: Gateway;
let real: Gateway;
let fake: FakeOci;

beforeAll(async () => {
  // LOG_LEVEL=info: the gateway logs one line per request (method, route, status), read below.
  const a = await binaryDir();
  testMode = await startGateway({ binary: a.bin, env: { TEST_MODE: "true", API_KEY, LOG_LEVEL: "info" } });
  const b = await binaryDir();
  const creds = await makeTestCredentials(b.dir, { relativeKeyFile: true });
  fake = await startFakeOci({ keys: [creds], streamGapMs: 5 });
  real = await startGateway({
    binary: b.bin,
    env: { OCI_INFERENCE_ENDPOINT: fake.url, API_KEY, LOG_LEVEL: "info" },
  });
}, BINARY_SETUP_TIMEOUT_MS);
afterAll(async () => {
  // Each stops its process by pid (SIGTERM, then SIGKILL after 5 s).
  await testMode?.stop();
  await real?.stop();
  await fake?.stop();
});

type Rec = Record<string, unknown>;

/** The gateway's request log lines printed since `from` (an offset into its output). */
function requestLines(g: Gateway, from: number): Rec[] {
  return g
    .output()
    .slice(from)
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Rec)
    .filter((l) => l.msg === "request");
}

/** Runs Codex and checks it ended by itself with exit 0 (else fails with what it printed). */
async function codex(g: Gateway, prompt: string): Promise<CodexRun> {
  const run = await runCodexExec({ gatewayUrl: g.url, apiKey: API_KEY, prompt });
  if (run.code !== 0) throw new Error(describeRun(run));
  return run;
}

/**
 * Codex's answers went to POST /v1/responses, streamed, all 200. The gateway logs a request when
 * its stream has ended, which may be just after Codex read the last event and exited: wait for it.
 */
async function expectResponsesCalls(g: Gateway, from: number, count: number): Promise<void> {
  const deadline = Date.now() + 3000;
  while (requestLines(g, from).length < count && Date.now() < deadline) await Bun.sleep(20);
  const lines = requestLines(g, from);
  expect(lines).toHaveLength(count);
  for (const l of lines) expect(l).toMatchObject({ method: "POST", route: "/v1/responses", status: 200, stream: true });
}

/** In Codex's own record of the session: its exec_command call and the output it sent back. */
function expectToolRoundTripInRollout(run: CodexRun): { call: Rec; output: Rec } {
  const call = run.items.find((i) => i.type === "function_call" && i.name === "exec_command");
  expect(call).toBeDefined();
  const output = run.items.find((i) => i.type === "function_call_output" && i.call_id === call!.call_id);
  expect(output).toBeDefined();
  return { call: call!, output: output! };
}

describe("Codex CLI — TEST_MODE", () => {
  test(
    "text turn: codex exec prints the simulated answer and exits 0",
    async () => {
      const from = testMode.output().length;
      const run = await codex(testMode, "say hello");
      expect(run.stdout.trim()).toBe("[TEST_MODE] Simulated response to: say hello");
      await expectResponsesCalls(testMode, from, 1);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "tool round trip: the simulated model calls exec_command, Codex sends its output back, the model answers",
    async () => {
      // Naming the tool makes the simulated model call it (arguments generated from its schema);
      // after the tool result it answers text. Codex cannot run those arguments (it refuses
      // `max_output_tokens: 1.5`), but it sends that refusal back as the function_call_output,
      // which completes the round trip.
      const prompt = "use exec_command to run echo hi";
      const from = testMode.output().length;
      const run = await codex(testMode, prompt);
      expect(run.stdout.trim()).toBe(`[TEST_MODE] Simulated response to: ${prompt}`);
      await expectResponsesCalls(testMode, from, 2);
      const { output } = expectToolRoundTripInRollout(run);
      expect(typeof output.output).toBe("string");
    },
    TEST_TIMEOUT_MS,
  );
});

/** GENERIC stream events (docs/oci-wire.md §3.2): text in word-sized deltas, then finish and usage. */
function textStream(text: string): Rec[] {
  const delta = (t: string) => ({ index: 0, message: { role: "ASSISTANT", content: [{ type: "TEXT", text: t }] } });
  return [
    ...text.split(/(?<= )/).map(delta),
    { message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "" }] }, finishReason: "stop" },
    { usage: { completionTokens: 9, promptTokens: 900, totalTokens: 909 } },
  ];
}

/** One tool call as OCI streams it: id and name first, the arguments in fragments (§3.2). */
function toolCallStream(id: string, name: string, args: string): Rec[] {
  const call = (c: Rec) => ({ index: 0, message: { role: "ASSISTANT", toolCalls: [{ type: "FUNCTION", ...c }] } });
  const cut = Math.floor(args.length / 2);
  return [
    { index: 0, message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "" }] } },
    call({ id, name }),
    call({ arguments: args.slice(0, cut) }),
    call({ arguments: args.slice(cut) }),
    { message: { role: "ASSISTANT", toolCalls: [{ type: "FUNCTION", arguments: "" }] }, finishReason: "tool_calls" },
    { usage: { completionTokens: 20, promptTokens: 900, totalTokens: 920 } },
  ];
}

/** Text of a GENERIC message's TEXT parts. */
const textOf = (m: Rec): string =>
  ((m.content as Rec[] | undefined) ?? [])
    .filter((p) => p.type === "TEXT")
    .map((p) => p.text)
    .join("");

describe("Codex CLI — real path via fake OCI", () => {
  beforeEach(() => fake.clear());

  /** The chat requests OCI received, each validly signed, streamed and GENERIC. */
  const signedChats = (): Rec[] =>
    fake.requestsFor("chat").map((r) => {
      expect(r.signatureError).toBeUndefined();
      expect(r.signatureOk).toBe(true);
      const chat = (r.body as { chatRequest: Rec }).chatRequest;
      expect(chat).toMatchObject({ apiFormat: "GENERIC", isStream: true });
      return chat;
    });

  test(
    "text turn: codex exec prints the scripted answer and exits 0",
    async () => {
      const answer = "Hello from OCI, scripted for Codex.";
      fake.script("chat", { sse: textStream(answer), done: true, gapMs: 5 });
      const from = real.output().length;
      const run = await codex(real, "say hello");
      expect(run.stdout.trim()).toBe(answer);
      await expectResponsesCalls(real, from, 1);
      const [chat, ...more] = signedChats();
      expect(more).toHaveLength(0);
      const messages = chat!.messages as Rec[];
      expect(messages.at(-1)).toMatchObject({ role: "USER" });
      expect(textOf(messages.at(-1)!)).toBe("say hello");
      // Codex's own tools went to OCI as functions: its shell, and the functions of its
      // `multi_agent_v1` namespace tool flattened as namespace__name; web_search is off.
      const names = (chat!.tools as Rec[]).map((t) => String(t.name));
      expect(names).toContain("exec_command");
      expect(names.some((n) => n.startsWith("multi_agent_v1__"))).toBe(true);
      expect(names).not.toContain("web_search");
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "tool round trip: the model calls exec_command, Codex runs it and sends the output back, the model answers",
    async () => {
      // The shell expands $((6*7)): "codex-42" appears only if Codex really ran the command.
      const callId = "chatcmpl-tool-codex-1";
      const args = JSON.stringify({ cmd: "echo codex-$((6*7))" });
      const answer = "The command printed codex-42.";
      fake.script("chat", { sse: toolCallStream(callId, "exec_command", args), done: true, gapMs: 5 });
      fake.script("chat", { sse: textStream(answer), done: true, gapMs: 5 });
      const from = real.output().length;
      const run = await codex(real, "run the echo command for me");
      expect(run.stdout.trim()).toBe(answer);
      await expectResponsesCalls(real, from, 2);

      const chats = signedChats();
      expect(chats).toHaveLength(2);
      const [first, second] = chats as [Rec, Rec];
      expect(textOf((first.messages as Rec[]).at(-1)!)).toBe("run the echo command for me");
      // The second request carries the call and Codex's result for it.
      const messages = second.messages as Rec[];
      const assistant = messages.find((m) => m.role === "ASSISTANT" && Array.isArray(m.toolCalls));
      expect((assistant!.toolCalls as Rec[])[0]).toMatchObject({ id: callId, name: "exec_command", arguments: args });
      const tool = messages.at(-1)!;
      expect(tool).toMatchObject({ role: "TOOL", toolCallId: callId });
      expect(textOf(tool)).toContain("codex-42");
      expect(textOf(tool)).toContain("exited with code 0");

      const { output } = expectToolRoundTripInRollout(run);
      expect(output.output).toContain("codex-42");
    },
    TEST_TIMEOUT_MS,
  );
});
