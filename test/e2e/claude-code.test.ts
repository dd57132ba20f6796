/**
 * Claude Code itself (@anthropic-ai/claude-code 2.1.48, headless `claude -p --output-format
 * json`), run by test/support/claude-code.ts. First against a stub Anthropic server, which keeps
 * the harness's findings (what Claude Code sends and how it takes answers) checked.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import {
  type AnthropicStub,
  CLAUDE_CODE_TIMEOUT_MS,
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
