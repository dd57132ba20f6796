/**
 * Claude Code itself (@anthropic-ai/claude-code 2.1.48, headless `claude -p --output-format
 * json`), run by test/support/claude-code.ts: first against a stub Anthropic server, which keeps
 * the harness's findings (what Claude Code sends and how it takes answers) checked; then against
 * the compiled binary, in TEST_MODE and on the real signed path through the fake OCI server: a
 * text turn and a Bash tool round trip (`echo hi`, allowed with --allowedTools); on the real path
 * also Claude's own model names served through `names` globs, and a `/genai/{alias}` base URL.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import {
  anthropicEnvForSuite,
  CLIENT_API_KEY,
  loggedRequests,
  MODEL,
  requestLog,
  SMALL_MODEL,
  SMALL_MODEL_ID,
} from "../support/anthropic-clients";
import {
  type AnthropicStub,
  CLAUDE_CODE_TIMEOUT_MS,
  type ClaudeCodeOptions,
  type ClaudeCodeRun,
  describeClaudeRun,
  groupAlive,
  KNOWN_OUTSIDE_ATTEMPTS,
  processesOfRun,
  runClaudeCode,
  type StubAnswer,
  type StubRequest,
  startAnthropicStub,
} from "../support/claude-code";
import type { Gateway } from "../support/gateway";
import { ociTranscript, type ResponsesMode, responsesModes } from "../support/responses-clients";

/** A test runs Claude Code once; its bound is above the run's own, so an overrun shows the output. */
const TEST_TIMEOUT_MS = CLAUDE_CODE_TIMEOUT_MS + 10_000;

type Rec = Record<string, unknown>;

/** Checks the run ended by itself with exit 0 and printed its JSON result (else fails with what it printed). */
function expectCleanExit(run: ClaudeCodeRun): void {
  if (run.code !== 0 || !run.result) throw new Error(describeClaudeRun(run));
  // Outside traffic only went to the trap, and only the attempts 2.1.48 is known to make.
  for (const line of run.outside) expect(KNOWN_OUTSIDE_ATTEMPTS).toContain(line as never);
}

const systemText = (r: StubRequest) => JSON.stringify(r.body?.system ?? "");
/** The Bash tool's background call: which file paths did the command read? */
const isPathExtraction = (r: StubRequest) => systemText(r).includes("Extract any file paths");
const lastMessage = (r: StubRequest) => (r.body!.messages as Rec[]).at(-1)!;
const hasToolResult = (r: StubRequest) => JSON.stringify(lastMessage(r).content).includes('"tool_result"');

describe("Claude Code 2.1.48 headless — against a stub Anthropic server", () => {
  let stub: AnthropicStub | undefined;
  afterEach(async () => {
    await stub?.stop();
    stub = undefined;
  });
  const serve = (answer: (r: StubRequest) => StubAnswer) => {
    stub = startAnthropicStub(answer);
    return stub;
  };

  test(
    "text turn: one streamed POST /v1/messages?beta=true (no HEAD /, models or count_tokens); the JSON result",
    async () => {
      const s = serve(() => ({ text: "Hello from the stub." }));
      const run = await runClaudeCode({ baseUrl: s.url, apiKey: "sk-stub", model: "llama", prompt: "say hello" });
      expectCleanExit(run);
      expect(run.result).toMatchObject({
        type: "result",
        subtype: "success",
        is_error: false,
        result: "Hello from the stub.",
        num_turns: 1,
        permission_denials: [],
      });
      expect(run.result!.modelUsage.llama).toMatchObject({ inputTokens: 10, outputTokens: 5 });
      expect(s.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /v1/messages?beta=true"]);

      const [req] = s.requests as [StubRequest];
      expect(req.headers).toMatchObject({
        "x-api-key": "sk-stub",
        "anthropic-version": "2023-06-01",
        "user-agent": "claude-cli/2.1.48 (external, sdk-cli)",
        "x-app": "cli",
      });
      expect(req.headers.authorization).toBeUndefined();
      expect(req.headers["anthropic-beta"]!.split(",")).toContain("claude-code-20250219");
      const body = req.body!;
      expect(body).toMatchObject({
        model: "llama",
        stream: true,
        max_tokens: 32000,
        thinking: { type: "enabled", budget_tokens: 31999 },
      });
      expect((body.metadata as Rec).user_id).toMatch(/^user_[0-9a-f]+_account__session_[0-9a-f-]+$/);
      expect(body).not.toHaveProperty("output_config");
      expect(body).not.toHaveProperty("context_management");
      const system = body.system as Rec[];
      expect(system).toHaveLength(3);
      expect(system.every((b) => b.type === "text")).toBe(true);
      expect(system.slice(1).every((b) => (b.cache_control as Rec | undefined)?.type === "ephemeral")).toBe(true);
      const tools = (body.tools as Rec[]).map((t) => t.name);
      expect(tools).toHaveLength(17);
      expect(tools).toContain("Bash");
      for (const t of body.tools as Rec[]) expect(t).toMatchObject({ input_schema: { type: "object" } });
      const messages = body.messages as Rec[];
      expect(messages.map((m) => m.role)).toEqual(["user"]);
      const blocks = messages[0]!.content as Rec[];
      expect(blocks.at(-1)).toEqual({ type: "text", text: "say hello", cache_control: { type: "ephemeral" } });
      expect(blocks.slice(0, -1).every((b) => String(b.text).startsWith("<system-reminder>"))).toBe(true);

      expect(run.transcript.map((m) => m.role)).toEqual(["user", "assistant"]);
      expect(run.transcript[1]!.content).toEqual([{ type: "text", text: "Hello from the stub." }]);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a stream answered 404 is retried once without stream, and that JSON answer is the result",
    async () => {
      const s = serve((r) =>
        r.body!.stream === true
          ? { status: 404, type: "not_found_error", message: "no streams here" }
          : { text: "Answered without a stream." },
      );
      const run = await runClaudeCode({ baseUrl: s.url, apiKey: "sk-stub", model: "llama", prompt: "say hello" });
      expectCleanExit(run);
      expect(run.result!.result).toBe("Answered without a stream.");
      const [first, second, ...more] = s.messages();
      expect(more).toEqual([]);
      expect(first!.body!.stream).toBe(true);
      // The same request without `stream`, its token limits lowered for a non-streamed answer.
      const { stream: _, max_tokens: __, thinking: ___, ...rest } = first!.body!;
      expect(second!.body).toEqual({
        ...rest,
        max_tokens: 21333,
        thinking: { type: "enabled", budget_tokens: 21332 },
      });
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "an error status is printed as the result with is_error and exit 1 (no retries)",
    async () => {
      const s = serve(() => ({ status: 401, type: "authentication_error", message: "bad key" }));
      const run = await runClaudeCode({ baseUrl: s.url, apiKey: "sk-wrong", model: "llama", prompt: "say hello" });
      expect(run.code).toBe(1);
      expect(run.result).toMatchObject({ is_error: true });
      expect(run.result!.result).toContain("API Error: 401");
      expect(run.result!.result).toContain('"authentication_error"');
      expect(s.messages()).toHaveLength(1);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "tool round trip: Bash(echo hi) runs, its tool_result goes back; the background call uses the small model",
    async () => {
      const s = serve((r) => {
        if (isPathExtraction(r)) return { text: "<is_displaying_contents>\nfalse\n</is_displaying_contents>" };
        if (hasToolResult(r)) return { text: "The command printed hi." };
        return { toolUse: { id: "toolu_stub_1", name: "Bash", input: { command: "echo hi" } } };
      });
      const run = await runClaudeCode({
        baseUrl: s.url,
        apiKey: "sk-stub",
        model: "llama",
        smallModel: "llama-small",
        prompt: "run echo hi",
        allowedTools: ["Bash(echo hi)"],
      });
      expectCleanExit(run);
      expect(run.result).toMatchObject({ subtype: "success", result: "The command printed hi.", num_turns: 2 });

      const turns = s.messages().filter((r) => !isPathExtraction(r));
      expect(turns).toHaveLength(2);
      for (const t of turns) expect(t.body).toMatchObject({ model: "llama", stream: true });
      const messages = turns[1]!.body!.messages as Rec[];
      expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
      expect(messages[1]!.content).toEqual([
        {
          type: "tool_use",
          id: "toolu_stub_1",
          name: "Bash",
          input: { command: "echo hi" },
          cache_control: { type: "ephemeral" },
        },
      ]);
      expect(messages[2]!.content).toEqual([
        {
          type: "tool_result",
          tool_use_id: "toolu_stub_1",
          content: "hi",
          is_error: false,
          cache_control: { type: "ephemeral" },
        },
      ]);
      // The background call is not awaited: it may not have been sent before the run ended.
      const background = s.messages().filter(isPathExtraction);
      expect(background.length).toBeLessThanOrEqual(1);
      for (const b of background) {
        expect(b.body).toMatchObject({ model: "llama-small", stream: true, tools: [], temperature: 1 });
        expect(lastMessage(b).content).toEqual([
          expect.objectContaining({ type: "text", text: "Command: echo hi\nOutput: hi\n" }),
        ]);
      }

      expect(run.transcript.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
      expect(run.transcript[2]!.content).toEqual([
        { type: "tool_result", tool_use_id: "toolu_stub_1", content: "hi", is_error: false },
      ]);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "ANTHROPIC_AUTH_TOKEN goes as Authorization: Bearer, and a base URL's path is kept",
    async () => {
      const s = serve(() => ({ text: "ok" }));
      const run = await runClaudeCode({
        baseUrl: `${s.url}/genai/llama`,
        apiKey: "sk-bearer",
        auth: "bearer",
        model: "llama",
        prompt: "say hello",
      });
      // The stub serves /v1/messages only: the 404 on the path-prefixed stream, then its
      // non-stream retry, end the run with an error; what matters is what was sent.
      expect(run.timedOut).toBe(false);
      expect(s.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        "POST /genai/llama/v1/messages?beta=true",
        "POST /genai/llama/v1/messages?beta=true",
      ]);
      for (const r of s.requests) {
        expect(r.headers.authorization).toBe("Bearer sk-bearer");
        expect(r.headers["x-api-key"]).toBeUndefined();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "a run that overruns its bound is killed with its whole process group (the Bash tool's command too)",
    async () => {
      // The model has Claude Code run a long sleep; the next turn's stream then never ends.
      const marker = "31.4159";
      const s = serve((r) =>
        hasToolResult(r) || isPathExtraction(r)
          ? { hang: true }
          : { toolUse: { id: "toolu_sleep", name: "Bash", input: { command: `sleep ${marker}` } } },
      );
      const sleeping = () => processesWith(`sleep ${marker}`);
      const running = runClaudeCode({
        baseUrl: s.url,
        apiKey: "sk-stub",
        model: "llama",
        prompt: "wait a while",
        allowedTools: [`Bash(sleep ${marker})`],
        timeoutMs: 6000,
        // No API time limit of its own: only the harness's bound ends this run.
        env: { API_TIMEOUT_MS: "600000" },
      });
      // The command really ran (in the run's process group) before the bound was reached.
      let sawSleep = false;
      const watch = (async () => {
        while (!sawSleep && (await Promise.race([running.then(() => true), Bun.sleep(50).then(() => false)])) === false)
          sawSleep = sleeping().length > 0;
      })();
      const run = await running;
      await watch;
      expect(sawSleep).toBe(true);
      expect(run.timedOut).toBe(true);
      expect(run.code).toBeNull();
      expect(run.ms).toBeLessThan(6000 + 3000);
      expect(groupAlive(run.pid)).toBe(false);
      expect(processesOfRun(run.marker)).toEqual([]);
      expect(sleeping()).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});

/** Pids of live processes whose command line contains `needle`. */
function processesWith(needle: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").replaceAll("\0", " ").includes(needle)) pids.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

// ---------------------------------------------------------------------------------------------
// Against the gateway (the compiled binary).

describe("Claude Code 2.1.48 headless — against the gateway", () => {
  const env = anthropicEnvForSuite(TEST_TIMEOUT_MS);
  const [testModeMode, realMode] = responsesModes(env) as [ResponsesMode, ResponsesMode];

  /** Runs Claude Code on `g` (model `llama`, background calls on `fast`) and checks it ended cleanly. */
  async function claude(g: Gateway, prompt: string, o: Partial<ClaudeCodeOptions> = {}): Promise<ClaudeCodeRun> {
    const run = await runClaudeCode({
      baseUrl: g.url,
      apiKey: CLIENT_API_KEY,
      model: MODEL,
      smallModel: SMALL_MODEL,
      prompt,
      ...o,
    });
    expectCleanExit(run);
    return run;
  }

  /** Every request the gateway logged since `from` for `alias`: POST /v1/messages, streamed, 200. */
  async function expectTurnsLogged(g: Gateway, from: number, count: number, route = "/v1/messages"): Promise<void> {
    const lines = await loggedRequests(g, from, { alias: MODEL }, count);
    expect(lines).toHaveLength(count);
    for (const l of lines) expect(l).toMatchObject({ method: "POST", route, status: 200, stream: true });
  }

  const toolUses = (run: ClaudeCodeRun) =>
    run.transcript.flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((b) => b.type === "tool_use");

  describe("TEST_MODE", () => {
    const mode = testModeMode;

    test("text turn: claude -p prints the simulated answer and exits 0; every call was POST /v1/messages 200", async () => {
      const g = mode.gw();
      const from = g.output().length;
      const run = await claude(g, "say hello");
      expect(run.result).toMatchObject({ subtype: "success", is_error: false });
      // The simulated answer repeats the user's own words: Claude Code's <system-reminder>
      // blocks in the same turn are context, not part of them.
      expect(run.result!.result).toBe("[TEST_MODE] Simulated response to: say hello");
      await expectTurnsLogged(g, from, run.result!.num_turns);
      mode.sent();
    });

    // Claude Code 2.1.48 puts two <system-reminder> blocks into the user's turn (the skills list,
    // the current date). They name Task, Skill, TodoWrite… but are not the user's words: the
    // simulated model must answer "say hello" with text at once (CONTRACT §8).
    test("text turn: the simulated model answers text at once, no tool call (CONTRACT §8)", async () => {
      const g = mode.gw();
      const from = g.output().length;
      const run = await claude(g, "say hello");
      expect(toolUses(run)).toEqual([]);
      expect(run.result!.num_turns).toBe(1);
      await expectTurnsLogged(g, from, 1);
    });

    // Naming the Bash tool makes the simulated model call it with arguments made from its schema
    // (command "example"), which --allowedTools "Bash(echo hi)" does not allow, so Claude Code
    // answers with a denial as the tool_result, and the model answers text after it.
    test("tool round trip: naming Bash makes the simulated model call it; the tool_result goes back; text after it", async () => {
      const g = mode.gw();
      const from = g.output().length;
      const run = await claude(g, "use the Bash tool to run echo hi", { allowedTools: ["Bash(echo hi)"] });
      const [use, ...more] = toolUses(run);
      expect(more).toEqual([]);
      expect(use).toMatchObject({ type: "tool_use", name: "Bash" });
      const result = run.transcript
        .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
        .find((b) => b.type === "tool_result");
      expect(result).toMatchObject({ tool_use_id: use!.id });
      expect(run.result!.num_turns).toBe(2);
      expect(run.result!.result).toEndWith(" use the Bash tool to run echo hi");
      await expectTurnsLogged(g, from, 2);
    });
  });

  describe("real path via fake OCI", () => {
    const mode = realMode;
    beforeEach(() => {
      env().fake.clear();
      env().background.clear();
    });

    /** The chat requests OCI received for the main model: each signed, streamed and GENERIC. */
    const turnsAtOci = (): Rec[] =>
      mode.sent().map((c) => {
        expect(c).toMatchObject({ apiFormat: "GENERIC", isStream: true });
        return c;
      });
    /** The background calls (on `fast`, served by the second fake): each signed. */
    const backgroundAtOci = (): Rec[] =>
      env()
        .background.requestsFor("chat")
        .map((r) => {
          expect(r.signatureError).toBeUndefined();
          expect(r.signatureOk).toBe(true);
          expect((r.body as Rec).servingMode).toMatchObject({ modelId: SMALL_MODEL_ID });
          return (r.body as Rec).chatRequest as Rec;
        });

    test("text turn: claude -p prints OCI's answer and exits 0; OCI got Claude Code's system, reminders, prompt and tools", async () => {
      const answer = "Hello from OCI, scripted for Claude Code.";
      mode.scriptText(answer);
      const g = mode.gw();
      const from = g.output().length;
      const run = await claude(g, "say hello");
      expect(run.result).toMatchObject({ subtype: "success", is_error: false, result: answer, num_turns: 1 });
      await expectTurnsLogged(g, from, 1);

      const [chat, ...more] = turnsAtOci();
      expect(more).toEqual([]);
      const transcript = ociTranscript(chat!);
      // The three system blocks lead; the user turn carries the reminders, then the prompt.
      expect(transcript[0]).toStartWith("SYSTEM: x-anthropic-billing-header");
      expect(transcript.map((l) => l.split(":")[0])).toEqual(["SYSTEM", "USER"]);
      expect(transcript[1]).toStartWith("USER: <system-reminder>");
      expect(transcript[1]).toEndWith(" say hello");
      const tools = (chat!.tools as Rec[]).map((t) => t.name);
      expect(tools).toHaveLength(17);
      expect(tools).toContain("Bash");
      for (const t of chat!.tools as Rec[]) expect(t).toMatchObject({ type: "FUNCTION" });
      expect(backgroundAtOci()).toEqual([]);
    });

    test("tool round trip: OCI calls Bash(echo hi), Claude Code runs it, 'hi' reaches OCI as a TOOL message, OCI's text is printed", async () => {
      mode.scriptToolCall({ id: "call_oci_bash", name: "Bash", arguments: '{"command":"echo hi"}' });
      const answer = "The command printed hi.";
      mode.scriptText(answer);
      const g = mode.gw();
      const from = g.output().length;
      const run = await claude(g, "run echo hi", { allowedTools: ["Bash(echo hi)"] });
      expect(run.result).toMatchObject({ subtype: "success", is_error: false, result: answer, num_turns: 2 });
      expect(run.result!.permission_denials).toEqual([]);
      await expectTurnsLogged(g, from, 2);

      // Claude Code's record: the call as OCI made it, and the command's real output.
      const [use, ...more] = toolUses(run);
      expect(more).toEqual([]);
      expect(use).toMatchObject({ name: "Bash", input: { command: "echo hi" } });
      expect(String(use!.id)).toContain("call_oci_bash");
      const results = run.transcript
        .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
        .filter((b) => b.type === "tool_result");
      expect(results).toEqual([{ type: "tool_result", tool_use_id: use!.id, content: "hi", is_error: false }]);

      const turns = turnsAtOci();
      expect(turns).toHaveLength(2);
      const [first, second] = turns as [Rec, Rec];
      expect(ociTranscript(first).at(-1)).toEndWith(" run echo hi");
      const lastTwo = ociTranscript(second).slice(-2);
      expect(lastTwo[0]).toMatch(/^ASSISTANT: .*call Bash\(\{"command":"echo hi"\}\)#\S*call_oci_bash$/);
      const callId = lastTwo[0]!.split("#").at(-1);
      expect(lastTwo[1]).toBe(`TOOL: #${callId} hi`);
      expect((second.messages as Rec[]).at(-1)).toMatchObject({ role: "TOOL", toolCallId: callId });

      // The Bash tool's background call (file paths the command read) went to `fast`, if it was
      // sent before Claude Code exited: it does not wait for it.
      const background = backgroundAtOci();
      expect(background.length).toBeLessThanOrEqual(1);
      for (const b of background) {
        expect(b.tools ?? []).toEqual([]);
        // (ociTranscript trims the trailing newline Claude Code sends.)
        expect(ociTranscript(b).at(-1)).toBe("USER: Command: echo hi\nOutput: hi");
      }
    });

    test("Claude's own model names: claude-sonnet-4-5-20250929 and its default small model resolve through `names` globs", async () => {
      mode.scriptToolCall({ id: "call_oci_named", name: "Bash", arguments: '{"command":"echo hi"}' });
      const answer = "Served under Claude's own model name.";
      mode.scriptText(answer);
      const g = mode.gw();
      const from = g.output().length;
      const run = await claude(g, "run echo hi", {
        model: "claude-sonnet-4-5-20250929",
        // Claude Code's own small model (claude-haiku-4-5-20251001): `fast` lists claude-*haiku*.
        smallModel: null,
        allowedTools: ["Bash(echo hi)"],
      });
      expect(run.result).toMatchObject({ subtype: "success", result: answer, num_turns: 2 });
      // The answers name the model as Claude Code asked for it; the gateway logs the alias.
      for (const m of run.transcript.filter((m) => m.role === "assistant")) {
        expect(m.model).toBe("claude-sonnet-4-5-20250929");
      }
      await expectTurnsLogged(g, from, 2);
      const turns = turnsAtOci();
      expect(turns).toHaveLength(2);
      for (const r of env().fake.requestsFor("chat")) {
        expect((r.body as Rec).servingMode).toMatchObject({ modelId: "meta.llama-3.3-70b-instruct" });
      }
      expect((turns[1]!.messages as Rec[]).at(-1)).toMatchObject({ role: "TOOL" });
      // Its background call, if sent before it exited, asked for its haiku model and reached
      // `fast`: no request of the run named a model no alias covers.
      expect(backgroundAtOci().length).toBeLessThanOrEqual(1);
      for (const l of requestLog(g, from)) expect([MODEL, SMALL_MODEL]).toContain(String(l.alias));
    });

    test("a base URL of /genai/{alias}: the path's alias serves whatever model Claude Code names", async () => {
      const answer = "Served by the alias in the path.";
      mode.scriptText(answer);
      const g = mode.gw();
      const from = g.output().length;
      const run = await claude(g, "say hello", {
        baseUrl: `${g.url}/genai/${MODEL}`,
        model: "claude-sonnet-4-5-20250929",
      });
      expect(run.result).toMatchObject({ subtype: "success", result: answer, num_turns: 1 });
      await expectTurnsLogged(g, from, 1, "/genai/:alias/v1/messages");
      expect(env().fake.requestsFor("chat")[0]!.body).toMatchObject({
        servingMode: { modelId: "meta.llama-3.3-70b-instruct" },
      });
      turnsAtOci();
    });
  });
});
