/**
 * Paired latency of the gateway (L3) and the signed floor (L2) at one rate and body size, with the
 * page faults and CPU each process spends per request — the quick check behind the bench's
 * "large bodies at a light load" analysis (BENCHMARKS.md), without the whole bench:
 *
 *   bun bench/paired-latency.ts [--bin dist/ocigenai] [--size large|small] [--rate 40] [--seconds 5] [--reps 4]
 *   bun bench/paired-latency.ts --stream [--rate 20] …   time to the first token of 20-event streams instead
 *   --warm N: each arm first serves N of the measured kind (streams, or answers) at 400/s — the
 *   steady state of a process that has run a while; without it, each arm warms 3 s at the rate.
 *
 * Extra environment for the gateway only: GATEWAY_ENV='{"MIMALLOC_PURGE_HOLES":"0"}'.
 * Same layout as the bench: the mock and this client on CPU 1, both proxies on CPU 0, loopback
 * only; every process it starts is stopped by pid when it ends (or at a hard deadline).
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { makeTestCredentials } from "../test/support/keys";
import { type BodySize, chatBody } from "./lib/bodies";
import { benchConfigDir } from "./lib/config-dir";
import { openLoop, streamLoad, type Target } from "./lib/load";
import { CLK_TCK, killAllSync, pinSelf, spawnTracked, stopAll } from "./lib/procs";

const argv = process.argv.slice(2);
const flag = (n: string) => (argv.indexOf(n) >= 0 ? argv[argv.indexOf(n) + 1] : undefined);
const BENCH = import.meta.dir;
const BIN = resolve(flag("--bin") ?? join(BENCH, "../dist/ocigenai"));
const SIZE = (flag("--size") ?? "large") as BodySize;
const RATE = Number(flag("--rate") ?? 40);
const SECONDS = Number(flag("--seconds") ?? 5);
const REPS = Number(flag("--reps") ?? 4);
/** Streams (20 text events 10 ms apart, as the bench's streaming phase) and their TTFT, instead of answers. */
const STREAM = argv.includes("--stream");
/** Requests (or streams) each arm serves at a high rate before anything is measured. */
const WARM = Number(flag("--warm") ?? 0);
const GATEWAY_ENV = JSON.parse(process.env.GATEWAY_ENV ?? "{}") as Record<string, string>;

process.on("exit", killAllSync);
const deadline = setTimeout(
  () => {
    console.error("paired-latency: deadline reached");
    killAllSync();
    process.exit(1);
  },
  (REPS * 2 * (SECONDS + 2) + 60 + WARM / 100) * 1000,
);

/** Minor page faults and CPU seconds (utime+stime) of a process so far. */
function counters(pid: number): { faults: number; cpuS: number } {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return { faults: Number(f[7]), cpuS: (Number(f[11]) + Number(f[12])) / CLK_TCK };
}

async function main() {
  pinSelf(1);
  const dir = benchConfigDir("ocigenai-paired-");
  const creds = await makeTestCredentials(dir, { relativeKeyFile: true });
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir };
  const listening = /listening on http:\/\/127\.0\.0\.1:(\d+)/;
  const mock = spawnTracked("mock", [process.execPath, join(BENCH, "mock-oci.ts")], { env, cpu: 1 });
  const mockUrl = `http://127.0.0.1:${(await mock.waitFor(listening, 10_000))[1]}`;
  const l3 = spawnTracked("L3", [BIN, "--config-dir", dir, "--port", "0", "--host", "127.0.0.1"], {
    env: {
      ...env,
      API_KEY: "bench",
      OCI_INFERENCE_ENDPOINT: mockUrl,
      SESSION_STORE: "memory",
      LOG_LEVEL: "warn",
      ...GATEWAY_ENV,
    },
    cwd: dir,
    cpu: 0,
  });
  const l2 = spawnTracked("L2", [process.execPath, join(BENCH, "proxy-bare.ts"), "--sign"], {
    env: { ...env, UPSTREAM: mockUrl, KEY_FILE: creds.keyFile, KEY_ID: creds.keyId },
    cpu: 0,
  });
  const headers = { "content-type": "application/json", authorization: "Bearer bench" };
  const arms: Array<{ name: string; pid: number; target: Target }> = [];
  for (const [name, child] of [
    ["L2", l2],
    ["L3", l3],
  ] as const) {
    const port = (await child.waitFor(listening, 20_000))[1];
    arms.push({ name, pid: child.pid, target: { url: `http://127.0.0.1:${port}/v1/chat/completions`, headers } });
  }
  const body = new TextEncoder().encode(chatBody(SIZE, "bench", STREAM));
  if (STREAM) {
    const r = await fetch(`${mockUrl}/__bench/mode`, {
      method: "POST",
      body: JSON.stringify({ latencyMs: 0, sse: true, events: 20, gapMs: 10 }),
    });
    if (!r.ok) throw new Error(`mock mode: HTTP ${r.status}`);
  }
  /** Latencies (ms) of one measured run: time to the first token of each stream, or of each answer. */
  const run = async (a: { name: string; target: Target }, seconds: number): Promise<{ ms: number[]; sent: number }> => {
    if (!STREAM) {
      const r = await openLoop(a.target, body, RATE, seconds);
      return { ms: Array.from(r.latencies), sent: r.sent };
    }
    const rs = await streamLoad(a.target, body, a.name === "L2" ? "oci" : "openai", 20, RATE, seconds);
    const bad = rs.filter((x) => !x.ok);
    if (bad.length) throw new Error(`${a.name}: ${bad.length} streams failed (${bad[0]!.error})`);
    return { ms: rs.map((x) => x.ttftMs), sent: rs.length };
  };
  // JavaScriptCore optimizes a function after it has run ~1,000 times: at 20 streams/s, code
  // that runs once per stream is still interpreted for the first minute (BENCHMARKS.md).
  for (const a of arms) {
    if (!WARM) continue;
    const seconds = WARM / 400;
    const failed = STREAM
      ? (await streamLoad(a.target, body, a.name === "L2" ? "oci" : "openai", 20, 400, seconds)).filter((x) => !x.ok)
          .length
      : (await openLoop(a.target, body, 400, seconds)).errors;
    if (failed) throw new Error(`${a.name}: ${failed} failed during the warm-up`);
  }
  for (const a of arms) await run(a, 3); // settle, at the measured rate
  const rows: Record<string, string[]> = { L2: [], L3: [] };
  for (let rep = 0; rep < REPS; rep++)
    for (const a of arms) {
      const before = counters(a.pid);
      const r = await run(a, SECONDS);
      const after = counters(a.pid);
      const sorted = [...r.ms].sort((x, y) => x - y);
      const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
      rows[a.name]!.push(
        `p50 ${p(0.5).toFixed(2)} p99 ${p(0.99).toFixed(2)} ms, ${((after.faults - before.faults) / r.sent).toFixed(0)} faults, ${(((after.cpuS - before.cpuS) * 1e6) / r.sent).toFixed(0)} µs CPU`,
      );
    }
  const what = STREAM ? "streams, time to the first token" : "answers";
  console.log(
    `${SIZE} body, ${what}, ${RATE}/s × ${SECONDS} s, ${REPS} alternating repetitions (absolute, per request):`,
  );
  for (const [name, r] of Object.entries(rows)) console.log(`${name}: ${r.join(" | ")}`);
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(async () => {
    clearTimeout(deadline);
    await stopAll();
  });
