/**
 * Runs the OpenAI Codex CLI (devDependency @openai/codex, 0.171) headless against a gateway:
 * `codex exec` with no TTY, a throwaway HOME and CODEX_HOME per run, a config.toml whose only model
 * provider is the gateway, and nothing that reaches the internet. Each run is bounded and killed
 * by pid when it overruns.
 *
 * The native binary is started directly, not through node_modules/.bin/codex: that wrapper is a
 * Node script which, on Node < 22 (no process.execve), spawns the native binary as a child, so
 * killing the wrapper's pid would leave Codex running.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, tempDir } from "./gateway";

/** The variable the provider's `env_key` names: Codex sends its value as `Authorization: Bearer`. */
export const CODEX_KEY_ENV = "OCIGENAI_API_KEY";
/** Bound for one `codex exec` (a turn against the gateway takes about a second). */
export const CODEX_TIMEOUT_MS = 30_000;

const TARGETS: Record<string, [pkg: string, triple: string]> = {
  "linux-x64": ["codex-linux-x64", "x86_64-unknown-linux-musl"],
  "linux-arm64": ["codex-linux-arm64", "aarch64-unknown-linux-musl"],
  "darwin-x64": ["codex-darwin-x64", "x86_64-apple-darwin"],
  "darwin-arm64": ["codex-darwin-arm64", "aarch64-apple-darwin"],
};

/** The native `codex` executable of the platform package npm installed beside @openai/codex. */
export function codexBinary(): string {
  const target = TARGETS[`${process.platform}-${process.arch}`];
  if (!target) throw new Error(`no Codex binary for ${process.platform}-${process.arch}`);
  const [pkg, triple] = target;
  const bin = join(REPO, "node_modules/@openai", pkg, "vendor", triple, "bin/codex");
  if (!existsSync(bin)) throw new Error(`Codex binary missing: ${bin} (npm install)`);
  return bin;
}

/**
 * config.toml for one run. Every key is checked by `--strict-config` (Codex 0.171 refuses keys it
 * does not know), so a key renamed in a later version fails loudly instead of being ignored.
 */
export function codexConfig(baseUrl: string): string {
  return `# Written by test/support/codex-cli.ts for one headless run against the ocigenai gateway.

# The model comes from our provider only; "llama" is an alias of the gateway's test models.
model_provider = "ocigenai"
model = "llama"

# No request for a newer Codex release at start-up.
check_for_update_on_startup = false
# No web_search tool in the requests (a hosted OpenAI tool; the gateway would only drop it).
web_search = "disabled"
# Commands the model asks for run without asking anyone (there is no TTY to ask on), and outside
# Codex's bubblewrap sandbox, which needs user namespaces that many containers (CI, root in Docker)
# do not grant. The tests' commands are scripted (echo) and start in the run's temp directory.
approval_policy = "never"
sandbox_mode = "danger-full-access"

# No usage analytics, no feedback upload, no OpenTelemetry export.
[analytics]
enabled = false

[feedback]
enabled = false

[otel]
exporter = "none"

[features]
# Without these Codex syncs its curated plugin catalogue at start-up from github.com /
# api.github.com / chatgpt.com (seen with RUST_LOG=debug and strace): the only outside traffic
# left once the options above are set.
plugins = false
remote_plugin = false
# ChatGPT connectors (apps): need a ChatGPT login and OpenAI's servers.
apps = false
# A failed connection to the provider is an error at once, not retried without end.
unbounded_connection_retries = false

[model_providers.ocigenai]
name = "ocigenai"
base_url = "${baseUrl}"
# Codex reads the gateway's API key from this variable and sends it as a Bearer token.
env_key = "${CODEX_KEY_ENV}"
# Codex 0.171 speaks only the Responses API (POST {base_url}/responses, streamed).
wire_api = "responses"
# A failure shows at once: no retries of the request or of a dropped stream, and a stalled stream
# ends after 10 s instead of Codex's default 5 minutes.
request_max_retries = 0
stream_max_retries = 0
stream_idle_timeout_ms = 10000
`;
}

export interface CodexRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** True when the run overran its bound and was killed. */
  timedOut: boolean;
  ms: number;
  /** The response items of the session as Codex recorded them (its rollout file). */
  items: Array<Record<string, unknown>>;
}

export interface CodexOptions {
  /** The gateway's base URL, e.g. `http://127.0.0.1:PORT` (the provider gets `/v1` appended). */
  gatewayUrl: string;
  apiKey: string;
  prompt: string;
  timeoutMs?: number;
  /** e.g. `{ RUST_LOG: "debug" }` to see Codex's HTTP and SSE handling on stderr. */
  env?: Record<string, string>;
}

/** `codex exec` once, headless, in a fresh HOME and working directory (both removed afterwards). */
export async function runCodexExec(o: CodexOptions): Promise<CodexRun> {
  const home = tempDir("ocigenai-codex-home-");
  const codexHome = join(home, ".codex");
  const work = join(home, "work");
  mkdirSync(codexHome);
  mkdirSync(work);
  writeFileSync(join(codexHome, "config.toml"), codexConfig(`${o.gatewayUrl}/v1`));
  const args = [
    codexBinary(),
    "exec",
    // Refuse config keys this Codex does not know (see codexConfig).
    "--strict-config",
    // The working directory is a bare temp dir, not a git repository.
    "--skip-git-repo-check",
    // Plain output: stdout is the final answer only; progress goes to stderr.
    "--color",
    "never",
    // Where the agent works (and where the commands it runs start).
    "--cd",
    work,
    o.prompt,
  ];
  const started = Date.now();
  const proc = Bun.spawn(args, {
    cwd: work,
    // Nothing from the developer's shell: no OPENAI_API_KEY, proxies or RUST_LOG leak in.
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      CODEX_HOME: codexHome,
      [CODEX_KEY_ENV]: o.apiKey,
      ...o.env,
    },
    // No TTY: stdin is /dev/null (Codex appends piped stdin to the prompt; it reads nothing here).
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (proc.exitCode === null) process.kill(proc.pid, "SIGKILL");
  }, o.timeoutMs ?? CODEX_TIMEOUT_MS);
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
      items: rolloutItems(join(codexHome, "sessions")),
    };
  } finally {
    clearTimeout(timer);
    rmSync(home, { recursive: true, force: true });
  }
}

/** `response_item` payloads of every rollout file (`sessions/YYYY/MM/DD/rollout-*.jsonl`). */
function rolloutItems(dir: string): Array<Record<string, unknown>> {
  if (!existsSync(dir)) return [];
  const items: Array<Record<string, unknown>> = [];
  for (const name of readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()) {
    if (!name.endsWith(".jsonl")) continue;
    for (const line of readFileSync(join(dir, name), "utf8").split("\n")) {
      if (!line.trim()) continue;
      const rec = JSON.parse(line) as { type?: string; payload?: Record<string, unknown> };
      if (rec.type === "response_item" && rec.payload) items.push(rec.payload);
    }
  }
  return items;
}

/** What a failed run printed, for an assertion message. */
export function describeRun(r: CodexRun): string {
  return `codex exit ${r.code}${r.timedOut ? " (killed: timeout)" : ""} after ${r.ms} ms\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}
