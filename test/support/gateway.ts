/**
 * Starts the product as a real process (from source with Bun, or the compiled binary) on
 * 127.0.0.1 with a free port, and stops it by pid. Tests talk to it over real HTTP.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

export const REPO = resolve(import.meta.dir, "../..");
export const BUN = process.execPath;

export interface GatewayOptions {
  /** Path of a compiled binary; default runs src/main.ts with Bun. */
  binary?: string;
  args?: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
}

export interface Gateway {
  url: string;
  port: number;
  pid: number;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Everything the process printed so far (stdout + stderr). */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** A minimal environment: nothing from the developer's shell (TEST_MODE, API_KEY...) leaks in. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    LOG_LEVEL: "warn",
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export function command(o: GatewayOptions): string[] {
  return o.binary ? [o.binary, ...(o.args ?? [])] : [BUN, join(REPO, "src/main.ts"), ...(o.args ?? [])];
}

export async function startGateway(o: GatewayOptions = {}): Promise<Gateway> {
  const args = [...(o.args ?? [])];
  if (!args.includes("--port")) args.push("--port", "0");
  if (!args.includes("--host")) args.push("--host", "127.0.0.1");
  const proc = Bun.spawn(command({ ...o, args }), {
    cwd: o.cwd ?? REPO,
    env: cleanEnv(o.env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  const pump = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const c of s) out += dec.decode(c, { stream: true });
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  const deadline = Date.now() + 15_000;
  let port: number | undefined;
  while (Date.now() < deadline) {
    const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
    if (m) {
      port = Number(m[1]);
      break;
    }
    if (proc.exitCode !== null) break;
    await Bun.sleep(20);
  }
  if (port === undefined) {
    proc.kill("SIGKILL");
    throw new Error(`gateway did not start (exit ${proc.exitCode}):\n${out}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: proc.pid,
    proc,
    output: () => out,
    async stop(signal = "SIGTERM") {
      // A process ended by a signal has a signalCode and no exitCode.
      const running = () => proc.exitCode === null && proc.signalCode === null;
      if (running()) process.kill(proc.pid, signal);
      const timer = setTimeout(() => running() && process.kill(proc.pid, "SIGKILL"), 5000);
      const code = await proc.exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Runs the CLI to completion (check, --help, a failing start) and captures its output. */
export function runCli(
  o: GatewayOptions & { timeoutMs?: number },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runToEnd(command(o), { cwd: o.cwd, env: cleanEnv(o.env), timeoutMs: o.timeoutMs });
}

/** Runs a command to completion (killed after `timeoutMs`) and captures its output. */
export async function runToEnd(
  cmd: string[],
  o: { cwd?: string; env: Record<string, string>; timeoutMs?: number },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(cmd, { cwd: o.cwd ?? REPO, env: o.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), o.timeoutMs ?? 15_000);
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

export function tempDir(prefix = "ocigenai-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const COMPARTMENT = "ocid1.compartment.oc1..aaaatestcompartment";

/** A models file for tests: a GENERIC model, an OpenAI model, a Cohere model and an agent. */
export function testModels(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    llama: { id: "meta.llama-3.3-70b-instruct", region: "us-chicago-1", compartmentId: COMPARTMENT },
    gpt5: {
      id: "openai.gpt-5",
      region: "us-chicago-1",
      compartmentId: COMPARTMENT,
      params: { reasoning_effort: "low" },
    },
    warm: {
      id: "xai.grok-4",
      region: "us-chicago-1",
      compartmentId: COMPARTMENT,
      params: { temperature: 0.2, max_tokens: 77 },
    },
    dedicated: {
      id: "ocid1.generativeaiendpoint.oc1.us-chicago-1.aaaadedicated",
      region: "us-chicago-1",
      compartmentId: COMPARTMENT,
    },
    "my-agent": { id: "ocid1.genaiagentendpoint.oc1.us-chicago-1.aaaaagent", region: "us-chicago-1", type: "agent" },
    ...extra,
  };
}

export function writeModels(dir: string, models: unknown = testModels()): string {
  const path = join(dir, "llm_models.json");
  writeFileSync(path, typeof models === "string" ? models : JSON.stringify(models, null, 2));
  return path;
}
