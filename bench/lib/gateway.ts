/**
 * The lean mock OCI every bench tool measures against (CPU 1 unless told), and the gateway as the
 * focused tools (paired-latency, hold-memory, metrics-scrape) start it: on CPU 0 against the
 * mock, key `bench`.
 */
import { join } from "node:path";
import { makeTestCredentials } from "../../test/support/keys";
import { benchConfigDir } from "./config-dir";
import { type Child, pinSelf, spawnTracked } from "./procs";

export const LISTENING = /listening on http:\/\/127\.0\.0\.1:(\d+)/;
const BENCH = join(import.meta.dir, "..");

/** How every measured gateway is started: `dir`'s config, a free port on loopback. */
export const serveArgs = (dir: string): string[] => ["--config-dir", dir, "--port", "0", "--host", "127.0.0.1"];

export interface Mock {
  url: string;
  pid: number;
  /** Switches what the mock answers (`POST /__bench/mode`). */
  mode(m: Record<string, unknown>): Promise<void>;
  /** Upstream streams it holds open now. */
  openStreams(): Promise<number>;
}

/** The mock, pinned to `cpu` (none: not pinned). */
export async function startMock(env: Record<string, string>, cpu: number | undefined = 1): Promise<Mock> {
  const mock = spawnTracked("mock", [process.execPath, join(BENCH, "mock-oci.ts")], { env, cpu });
  const url = `http://127.0.0.1:${(await mock.waitFor(LISTENING, 10_000))[1]}`;
  return {
    url,
    pid: mock.pid,
    async mode(m) {
      const r = await fetch(`${url}/__bench/mode`, { method: "POST", body: JSON.stringify(m) });
      if (!r.ok) throw new Error(`mock mode: HTTP ${r.status}`);
    },
    async openStreams() {
      return ((await (await fetch(`${url}/__bench/stats`)).json()) as { openStreams: number }).openStreams;
    },
  };
}

/** A gateway binary serving `dir`'s config against the mock; answers once it listens. */
export async function startGateway(
  bin: string,
  dir: string,
  env: Record<string, string>,
  mockUrl: string,
  extraEnv: Record<string, string> = {},
): Promise<{ child: Child; port: string }> {
  const child = spawnTracked("L3", [bin, ...serveArgs(dir)], {
    env: {
      ...env,
      API_KEY: "bench",
      OCI_INFERENCE_ENDPOINT: mockUrl,
      SESSION_STORE: "memory",
      LOG_LEVEL: "warn",
      ...extraEnv,
    },
    cwd: dir,
    cpu: 0,
  });
  return { child, port: (await child.waitFor(LISTENING, 20_000))[1]! };
}

/**
 * A focused tool's start: this process (and the clients it runs) on CPU 1, a config directory
 * with a test key beside it, the environment its children get, and the mock.
 */
export async function focusedSetup(prefix: string) {
  pinSelf(1);
  const dir = benchConfigDir(prefix);
  const creds = await makeTestCredentials(dir, { relativeKeyFile: true });
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir };
  return { dir, creds, env, mock: await startMock(env) };
}

/** What bench/hold-streams.ts reports once its streams are open (or its time is up). */
export interface HoldReady {
  firstEvent: number;
  failed: number;
  ms: number;
  errors: Record<string, number>;
}

/**
 * bench/hold-streams.ts in its own process on `cpu` (with Bun's fetch limit lifted there only):
 * `count` streams to `url` held for `holdMs`; answers once every stream had its first event, or
 * `timeoutMs` passed, with its report. The holder prints DONE when it lets them go.
 */
export async function holdStreams(o: {
  name: string;
  url: string;
  count: number;
  holdMs: number;
  timeoutMs: number;
  key: string;
  env: Record<string, string>;
  cpu: number | undefined;
}): Promise<{ holder: Child; ready: HoldReady }> {
  const holder = spawnTracked(
    o.name,
    [
      process.execPath,
      join(BENCH, "hold-streams.ts"),
      o.url,
      String(o.count),
      String(o.holdMs),
      String(o.timeoutMs),
      o.key,
    ],
    { env: { ...o.env, BUN_CONFIG_MAX_HTTP_REQUESTS: "4096" }, cpu: o.cpu },
  );
  const m = await holder.waitFor(/READY (\{.*\})/, o.timeoutMs + 15_000);
  return { holder, ready: JSON.parse(m[1]!) as HoldReady };
}
