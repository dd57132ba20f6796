/**
 * Runs Claude Code (devDependency @anthropic-ai/claude-code, exact-pinned at 2.1.48) headless
 * against a gateway: `claude -p PROMPT --output-format json`, no TTY, a throwaway HOME, config dir
 * and temp dir per run, a fresh working directory, nothing that reaches the internet, bounded and
 * killed by process group when it overruns. Also a minimal stub Anthropic server, on which the
 * findings below were learnt (test/e2e/claude-code.test.ts keeps them checked).
 *
 * How it is started and stopped. The package ships no native executable (only ripgrep under
 * vendor/): its bin `claude` is cli.js, an 11 MB Node script (`#!/usr/bin/env node`), run here as
 * `node cli.js` (Node 20 from PATH), so the pid is Claude Code itself, not a wrapper. It starts
 * in a new session (`detached`: setsid) and a SIGKILL to its process group stops it and ripgrep.
 * That is not enough: the Bash tool runs each command in a session of its own (`bash -c -l …`
 * with setsid), which outlives a kill of Claude Code's group (seen: `sleep` kept running,
 * reparented to init). So every run's environment carries a marker variable, and stopping a run
 * (overrun, or after a normal exit) kills its group and then every process whose environment
 * holds the marker (read from /proc; Linux only, elsewhere the group kill alone).
 *
 * What Claude Code 2.1.48 sends, headless (`-p`), learnt against startAnthropicStub():
 * - No `HEAD /` probe (the recorded 2.1.197 session in test/fixtures/clients probes it; 2.1.48
 *   does not), no `GET /v1/models`, no `POST /v1/messages/count_tokens`: only
 *   `POST {ANTHROPIC_BASE_URL}/v1/messages?beta=true`, always `stream: true`. A base URL with a
 *   path keeps it (`…/genai/llama` → `/genai/llama/v1/messages?beta=true`).
 * - Headers: `x-api-key` (ANTHROPIC_API_KEY), or `authorization: Bearer` instead when
 *   ANTHROPIC_AUTH_TOKEN is set; `anthropic-version: 2023-06-01`; `anthropic-beta:
 *   claude-code-20250219,interleaved-thinking-2025-05-14,prompt-caching-scope-2026-01-05`;
 *   `user-agent: claude-cli/2.1.48 (external, sdk-cli)`, `x-app: cli`, the SDK's x-stainless-*.
 * - Body of a turn: `model` (ANTHROPIC_MODEL as given), `max_tokens: 32000`, `thinking: {type:
 *   "enabled", budget_tokens: 31999}`, `metadata.user_id` (one string,
 *   `user_<hex>_account__session_<uuid>`), three `system` text blocks (a billing-header line,
 *   "You are a Claude agent…", the long prompt; the last two with `cache_control`), 17 tools
 *   (Task, TaskOutput, Bash, Glob, Grep, ExitPlanMode, Read, Edit, Write, NotebookEdit, WebFetch,
 *   TodoWrite, WebSearch, TaskStop, AskUserQuestion, Skill, EnterPlanMode), and one user message
 *   of three text blocks (two `<system-reminder>`s, then the prompt with `cache_control`). No
 *   `output_config`, no `context_management`, no `system` role inside `messages` (2.1.197 sends
 *   those).
 * - Answer handling: a stream that answers 404, or whose first event is not `message_start`, is
 *   retried once without `stream`, with `max_tokens` lowered to 21333 (thinking budget 21332),
 *   the body otherwise the same, and that JSON answer is used. A stream
 *   without `content_block_stop` ends the run with `subtype: "error_during_execution"` and no
 *   `result` (exit 0). A 4xx/5xx is printed as `result: "API Error: <status> <body>"` with
 *   `is_error: true`, exit 1 (401: "Failed to authenticate. API Error: 401 …"). By default it
 *   retries 5xx/429 up to 10 times with back-off: CLAUDE_CODE_MAX_RETRIES=0 here, so a failure
 *   shows at once.
 * - Tool round trip (`--allowedTools "Bash(echo hi)"`): the model's `tool_use {name: "Bash",
 *   input: {command: "echo hi"}}` runs, and the next turn resends the whole conversation with the
 *   assistant's tool_use and a user message `[{type: "tool_result", tool_use_id, content: "hi",
 *   is_error: false}]`. Meanwhile, fire-and-forget (not awaited: it may still be in flight, or
 *   not yet sent, when the run ends), a background call on the small/fast ("haiku") model asks
 *   which file paths the command read: streamed, no tools, `temperature: 1`, system "Extract any
 *   file paths that this command reads or modifies…", user "Command: echo hi\nOutput: hi\n".
 *   Without ANTHROPIC_DEFAULT_HAIKU_MODEL (or the deprecated ANTHROPIC_SMALL_FAST_MODEL, still
 *   read by 2.1.48) its model is `claude-haiku-4-5-20251001`.
 * - `--output-format json` prints one JSON object: `{type: "result", subtype: "success", is_error,
 *   result (the last assistant text), num_turns (model turns: 1 for text, 2 for a tool round
 *   trip), duration_ms, duration_api_ms, stop_reason, session_id, total_cost_usd, usage
 *   {input_tokens, output_tokens, cache_*}, modelUsage {<model>: {inputTokens, …}},
 *   permission_denials, uuid}`. The session's messages are also written as JSON lines under
 *   $CLAUDE_CONFIG_DIR/projects/<cwd>/<session>.jsonl (read back as `transcript`).
 *
 * Outside traffic. With the documented switches (DISABLE_TELEMETRY, DISABLE_AUTOUPDATER,
 * DISABLE_ERROR_REPORTING, DISABLE_BUG_COMMAND, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC) plus
 * CLAUDE_CODE_DISABLE_FAST_MODE (else it asks api.anthropic.com/api/claude_code_penguin_mode),
 * 2.1.48 still tries two hosts (seen with strace and a dns.lookup hook): raw.githubusercontent.com
 * (the plugin blocklist, fetched by every headless start) and api.anthropic.com (the metrics
 * exporter asks /api/claude_code/organizations/metrics_enabled on exit for API-key users; no
 * variable turns it off). So every run gets HTTP(S)_PROXY pointing at a local trap that records
 * the request line (`CONNECT host:443 HTTP/1.1`) and refuses it, with NO_PROXY for 127.0.0.1 and
 * localhost so the gateway is reached directly: no DNS query and no packet leaves the machine.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server as NetServer } from "node:net";
import { join } from "node:path";
import { REPO, tempDir } from "./gateway";

/** The pinned version; the findings above were learnt on it. */
export const CLAUDE_CODE_VERSION = "2.1.48";
/** Bound for one run (start-up takes ~2 s; a turn against the gateway well under a second). */
export const CLAUDE_CODE_TIMEOUT_MS = 45_000;
/** The outside requests 2.1.48 tries in a run (see above), each caught by the trap. */
export const KNOWN_OUTSIDE_ATTEMPTS = [
  "CONNECT raw.githubusercontent.com:443 HTTP/1.1",
  "CONNECT api.anthropic.com:443 HTTP/1.1",
] as const;

type Rec = Record<string, unknown>;

/** cli.js of the installed package, checked to be the pinned version. */
export function claudeCodeCli(): string {
  const dir = join(REPO, "node_modules/@anthropic-ai/claude-code");
  const cli = join(dir, "cli.js");
  if (!existsSync(cli)) throw new Error(`Claude Code missing: ${cli} (npm install)`);
  const { version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string };
  if (version !== CLAUDE_CODE_VERSION) {
    throw new Error(
      `@anthropic-ai/claude-code is ${version}; test/support/claude-code.ts describes ${CLAUDE_CODE_VERSION}`,
    );
  }
  return cli;
}

/** `--output-format json`: the one object Claude Code prints on stdout. */
export interface ClaudeCodeResult {
  type: "result";
  /** "success", or e.g. "error_during_execution", "error_max_turns". */
  subtype: string;
  is_error: boolean;
  /** The last assistant text (absent when the run ended in an error during execution). */
  result?: string;
  num_turns: number;
  stop_reason: string | null;
  session_id: string;
  usage: Rec;
  modelUsage: Record<string, Rec>;
  permission_denials: unknown[];
}

/** One user or assistant entry of the session transcript: an Anthropic message. */
export interface TranscriptMessage {
  role: "user" | "assistant";
  model?: string;
  content: string | Rec[];
}

export interface ClaudeCodeRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** True when the run overran its bound and its process group was killed. */
  timedOut: boolean;
  ms: number;
  /** stdout parsed, when it was the JSON result. */
  result?: ClaudeCodeResult;
  /** The session's messages as Claude Code recorded them. */
  transcript: TranscriptMessage[];
  /** Request lines of the outside connections the proxy trap caught and refused. */
  outside: string[];
  /** `[ERROR]`/`[WARN]` lines of Claude Code's debug log, for failure messages. */
  problems: string[];
  /** The pid that led the run's process group. */
  pid: number;
  /** The value of RUN_MARKER_ENV in the environment of every process of the run. */
  marker: string;
}

export interface ClaudeCodeOptions {
  /** ANTHROPIC_BASE_URL: the gateway's origin (or `…/genai/{alias}`); `/v1/messages` is appended. */
  baseUrl: string;
  apiKey: string;
  /** "x-api-key" (ANTHROPIC_API_KEY, the default) or "bearer" (ANTHROPIC_AUTH_TOKEN). */
  auth?: "x-api-key" | "bearer";
  /** ANTHROPIC_MODEL: an alias, or a model name the alias's `names` globs resolve. */
  model: string;
  /**
   * The small/fast model of background calls; default `model`. `null` leaves it to Claude Code
   * (2.1.48: `claude-haiku-4-5-20251001`), and the other model tiers too.
   */
  smallModel?: string | null;
  prompt: string;
  /** e.g. ["Bash(echo hi)"]: tools the model may use without asking (there is no TTY to ask on). */
  allowedTools?: string[];
  /** Bound on model turns (`--max-turns`); default 4. */
  maxTurns?: number;
  timeoutMs?: number;
  /** Extra environment, e.g. `{ ANTHROPIC_LOG: "debug" }`. */
  env?: Record<string, string>;
}

/** `claude -p` once, headless, in a fresh HOME and working directory (both removed afterwards). */
export async function runClaudeCode(o: ClaudeCodeOptions): Promise<ClaudeCodeRun> {
  const cli = claudeCodeCli();
  const timeoutMs = o.timeoutMs ?? CLAUDE_CODE_TIMEOUT_MS;
  const home = tempDir("ocigenai-claude-home-");
  const configDir = join(home, ".claude");
  const work = join(home, "work");
  const tmp = join(home, "tmp");
  for (const d of [configDir, work, tmp]) mkdirSync(d);
  const trap = await startOutsideTrap();
  const marker = `${process.pid}-${randomUUID()}`;
  const small = o.smallModel === undefined ? o.model : o.smallModel;
  const env: Record<string, string> = {
    // Nothing from the developer's shell: no real ANTHROPIC_API_KEY, proxies or settings leak in.
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    // ~/.claude and ~/.claude.json go here (settings, session transcripts, debug log).
    CLAUDE_CONFIG_DIR: configDir,
    // Its Bash tool's scratch files and /tmp/claude-<uid>/<cwd>/ go here instead of /tmp.
    TMPDIR: tmp,
    CLAUDE_CODE_TMPDIR: tmp,
    ANTHROPIC_BASE_URL: o.baseUrl,
    [o.auth === "bearer" ? "ANTHROPIC_AUTH_TOKEN" : "ANTHROPIC_API_KEY"]: o.apiKey,
    ANTHROPIC_MODEL: o.model,
    // Background calls (the Bash tool's file-path extraction) use the small/fast model; every
    // other model tier is pointed at ours too, so no request names a model the gateway lacks.
    ...(small === null
      ? {}
      : {
          ANTHROPIC_DEFAULT_HAIKU_MODEL: small,
          ANTHROPIC_SMALL_FAST_MODEL: small,
          ANTHROPIC_DEFAULT_SONNET_MODEL: o.model,
          ANTHROPIC_DEFAULT_OPUS_MODEL: o.model,
          CLAUDE_CODE_SUBAGENT_MODEL: o.model,
        }),
    // No usage data, auto-update, error reports, feedback command, fast-mode lookup.
    DISABLE_TELEMETRY: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_ERROR_REPORTING: "1",
    DISABLE_BUG_COMMAND: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    CLAUDE_CODE_DISABLE_FAST_MODE: "1",
    // A failure shows at once (default: 10 retries with back-off), and one API call is bounded
    // below the run's own bound (default 10 minutes).
    CLAUDE_CODE_MAX_RETRIES: "0",
    API_TIMEOUT_MS: String(Math.max(1000, timeoutMs - 5000)),
    // What is left of outside traffic goes to the trap; the gateway on loopback is reached directly.
    HTTPS_PROXY: trap.url,
    HTTP_PROXY: trap.url,
    https_proxy: trap.url,
    http_proxy: trap.url,
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
    ...o.env,
    // Inherited by every process of the run, so even those in sessions of their own are found.
    [RUN_MARKER_ENV]: marker,
  };
  const args = [
    "node",
    cli,
    "-p",
    o.prompt,
    "--output-format",
    "json",
    "--max-turns",
    String(o.maxTurns ?? 4),
    ...(o.allowedTools?.length ? ["--allowedTools", ...o.allowedTools] : []),
  ];
  const started = Date.now();
  const proc = Bun.spawn(args, {
    cwd: work,
    env,
    // No TTY: stdin is /dev/null (read as an empty stdin; -p takes the prompt from argv).
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    // setsid: the run is one process group, killed as a whole.
    detached: true,
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killRun(proc.pid, marker);
  }, timeoutMs);
  try {
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return {
      code: timedOut ? null : code,
      stdout,
      stderr,
      timedOut,
      ms: Date.now() - started,
      result: parseResult(stdout),
      transcript: readTranscript(join(configDir, "projects")),
      outside: [...trap.lines],
      problems: readProblems(join(configDir, "debug")),
      pid: proc.pid,
      marker,
    };
  } finally {
    clearTimeout(timer);
    killRun(proc.pid, marker); // whatever the run left behind
    await trap.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

/** The variable that marks the processes of one run (see the top of this file). */
export const RUN_MARKER_ENV = "OCIGENAI_CLAUDE_CODE_RUN";

/**
 * Stops a run: SIGKILL to the process group `pgid` leads (Claude Code, so it starts nothing
 * more), then to every process carrying the run's marker, until none is left.
 */
export function killRun(pgid: number, marker: string): void {
  kill(-pgid);
  for (let round = 0; round < 10; round++) {
    const left = processesOfRun(marker);
    if (left.length === 0) return;
    for (const pid of left) kill(pid);
  }
}

function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
  }
}

/** Live processes whose environment holds the run's marker (none found where there is no /proc). */
export function processesOfRun(marker: string): number[] {
  if (!existsSync("/proc/self/environ")) return [];
  const needle = `${RUN_MARKER_ENV}=${marker}\0`;
  const pids: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (`${readFileSync(`/proc/${d}/environ`, "latin1")}\0`.includes(needle)) pids.push(Number(d));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

/** True while some process of the group `pgid` is alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function parseResult(stdout: string): ClaudeCodeResult | undefined {
  try {
    const r = JSON.parse(stdout) as ClaudeCodeResult;
    return r?.type === "result" ? r : undefined;
  } catch {
    return undefined;
  }
}

/** user/assistant entries of every session file (`projects/<cwd>/<session>.jsonl`), in order. */
function readTranscript(dir: string): TranscriptMessage[] {
  if (!existsSync(dir)) return [];
  const out: TranscriptMessage[] = [];
  for (const name of readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()) {
    if (!name.endsWith(".jsonl")) continue;
    for (const line of readFileSync(join(dir, name), "utf8").split("\n")) {
      if (!line.trim()) continue;
      const rec = JSON.parse(line) as { type?: string; message?: TranscriptMessage };
      if ((rec.type === "user" || rec.type === "assistant") && rec.message) out.push(rec.message);
    }
  }
  return out;
}

function readProblems(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".txt"))
    .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n"))
    .filter((l) => / \[(ERROR|WARN)\] /.test(l));
}

/** What a run printed, for an assertion message. */
export function describeClaudeRun(r: ClaudeCodeRun): string {
  return [
    `claude exit ${r.code}${r.timedOut ? " (killed: timeout)" : ""} after ${r.ms} ms`,
    `--- stdout\n${r.stdout}`,
    `--- stderr\n${r.stderr}`,
    `--- debug log problems\n${r.problems.join("\n")}`,
    `--- outside attempts\n${r.outside.join("\n")}`,
  ].join("\n");
}

/** A local HTTP proxy that records each connection's first line and refuses it. */
async function startOutsideTrap(): Promise<{ url: string; lines: string[]; stop(): Promise<void> }> {
  const lines: string[] = [];
  const server: NetServer = createServer((sock) => {
    sock.on("error", () => {});
    sock.once("data", (d) => {
      lines.push(d.toString("latin1").split("\r\n")[0] ?? "");
      sock.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    lines,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---------------------------------------------------------------------------------------------
// A minimal stub of Anthropic's API, to see what Claude Code sends and does with an answer.

/** One request the stub received. */
export interface StubRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  headers: Record<string, string>;
  body: Rec | undefined;
}

/**
 * How the stub answers one POST /v1/messages: a text, a tool_use block, an error status with
 * Anthropic's envelope, or (`hang`) a stream that starts and never ends.
 */
export type StubAnswer =
  | { text: string }
  | { toolUse: { id: string; name: string; input: Rec } }
  | { status: number; type: string; message: string }
  | { hang: true };

export interface AnthropicStub {
  url: string;
  requests: StubRequest[];
  /** The POST /v1/messages requests (any query string), in order. */
  messages(): StubRequest[];
  stop(): Promise<void>;
}

/**
 * Bun.serve on 127.0.0.1 with a free port: `HEAD /` → 200; `POST /v1/messages` (any query) →
 * `answer(req)`, as Anthropic's event stream when the body asks for a stream, else as one JSON
 * message; anything else → 404 in Anthropic's error envelope. Everything is recorded.
 */
export function startAnthropicStub(answer: (req: StubRequest) => StubAnswer): AnthropicStub {
  const requests: StubRequest[] = [];
  const hanging = new AbortController();
  let n = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const text = req.method === "GET" || req.method === "HEAD" ? "" : await req.text();
      let body: Rec | undefined;
      try {
        body = text ? (JSON.parse(text) as Rec) : undefined;
      } catch {
        body = undefined;
      }
      const rec: StubRequest = {
        method: req.method,
        path: url.pathname + url.search,
        headers: Object.fromEntries(req.headers),
        body,
      };
      requests.push(rec);
      if (req.method === "HEAD" && url.pathname === "/") return new Response(null, { status: 200 });
      if (req.method !== "POST" || url.pathname !== "/v1/messages" || !body) {
        return anthropicError(404, "not_found_error", `stub: no route ${req.method} ${url.pathname}`);
      }
      const a = answer(rec);
      if ("status" in a) return anthropicError(a.status, a.type, a.message);
      const id = `msg_stub_${++n}`;
      const model = String(body.model);
      if (body.stream !== true) {
        if ("hang" in a) return new Response(new ReadableStream({ start() {} }));
        return Response.json(stubMessage(id, model, a));
      }
      return new Response(stubStream(id, model, a, hanging.signal), {
        headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
      });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    messages: () => requests.filter((r) => r.method === "POST" && r.path.startsWith("/v1/messages")),
    async stop() {
      hanging.abort();
      await server.stop(true);
    },
  };
}

function anthropicError(status: number, type: string, message: string): Response {
  return Response.json({ type: "error", error: { type, message } }, { status });
}

const STUB_USAGE = { input_tokens: 10, output_tokens: 5 };

function stubMessage(id: string, model: string, a: { text: string } | { toolUse: StubToolUse }): Rec {
  const tool = "toolUse" in a;
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    content: tool ? [{ type: "tool_use", ...a.toolUse }] : [{ type: "text", text: a.text }],
    stop_reason: tool ? "tool_use" : "end_turn",
    stop_sequence: null,
    usage: STUB_USAGE,
  };
}

type StubToolUse = { id: string; name: string; input: Rec };

/** Anthropic's event stream for one text or tool_use block (`hang`: message_start, then silence). */
function stubStream(id: string, model: string, a: Exclude<StubAnswer, { status: number }>, stop: AbortSignal) {
  const frame = (type: string, data: Rec) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const start = frame("message_start", {
    message: {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 1 },
    },
  });
  if ("hang" in a) {
    return new ReadableStream<string>({
      start(c) {
        c.enqueue(start);
        stop.addEventListener("abort", () => c.close(), { once: true });
      },
    });
  }
  const tool = "toolUse" in a;
  const json = tool ? JSON.stringify(a.toolUse.input) : "";
  const half = Math.ceil(json.length / 2);
  const frames = [
    start,
    tool
      ? frame("content_block_start", {
          index: 0,
          content_block: { type: "tool_use", id: a.toolUse.id, name: a.toolUse.name, input: {} },
        })
      : frame("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    ...(tool
      ? [json.slice(0, half), json.slice(half)].map((p) =>
          frame("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: p } }),
        )
      : (a.text.match(/\s*\S+/g) ?? []).map((t) =>
          frame("content_block_delta", { index: 0, delta: { type: "text_delta", text: t } }),
        )),
    frame("content_block_stop", { index: 0 }),
    frame("message_delta", {
      delta: { stop_reason: tool ? "tool_use" : "end_turn", stop_sequence: null },
      usage: { output_tokens: STUB_USAGE.output_tokens },
    }),
    frame("message_stop", {}),
  ];
  return new ReadableStream<string>({
    start(c) {
      for (const f of frames) c.enqueue(f);
      c.close();
    },
  });
}
