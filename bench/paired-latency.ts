/**
 * Paired latency of the gateway (L3) and the signed floor (L2) at one rate and body size, with the
 * page faults and CPU each process spends per request — the quick check behind the bench's
 * "large bodies at a light load" analysis (BENCHMARKS.md), without the whole bench:
 *
 *   bun bench/paired-latency.ts [--bin dist/ocigenai] [--size large|small] [--rate 40] [--seconds 5] [--reps 4]
 *   bun bench/paired-latency.ts --stream [--rate 20] …   time to the first token of 20-event streams instead
 *   --family responses|messages: the gateway's chat completions against that API on the same process
 *   (the same conversation in each API's shape), their requests alternating in the same runs,
 *   instead of L2 against L3 — the adapters' own cost (CPU and faults are then over both);
 *   --family newlines: chat completions against the same request with a newline after every
 *   sentence (what JSON escapes costs)
 *   --store: with --family responses, the Responses requests say `store: true` (OpenAI's default) and
 *   the gateway keeps them in the store it ships with (SQLite in its config directory), not memory
 *   --warm N: each arm first serves N of the measured kind (streams, or answers) at 400/s — the
 *   steady state of a process that has run a while; without it, each arm warms 3 s at the rate.
 *   --size small|10k|large|1m: the bench's bodies (~0.1 and ~100 KB) or the same conversation at
 *   ~10 KB and ~1 MB (how the cost scales with the body)
 *   --closed C: instead of the open loop, a closed loop on C connections for --seconds, the arms
 *   alternated: the most each serves (req/s) and its CPU per request at saturation
 *
 * Extra environment for the gateway only: GATEWAY_ENV='{"MIMALLOC_PURGE_HOLES":"0"}'.
 * Same layout as the bench: the mock and this client on CPU 1, both proxies on CPU 0, loopback
 * only; every process it starts is stopped by pid when it ends (or at a hard deadline).
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type AnySize, APIS, chatBodyWithNewlines, responsesBody, SIZES } from "./lib/bodies";
import { focusedSetup, LISTENING, startGateway } from "./lib/gateway";
import {
  closedLoop,
  type Dialect,
  openLoop,
  openLoopMixed,
  streamLoad,
  streamLoadMixed,
  type Target,
} from "./lib/load";
import { CLK_TCK, runTool, spawnTracked } from "./lib/procs";

const argv = process.argv.slice(2);
const flag = (n: string) => (argv.indexOf(n) >= 0 ? argv[argv.indexOf(n) + 1] : undefined);
const BENCH = import.meta.dir;
const BIN = resolve(flag("--bin") ?? join(BENCH, "../dist/ocigenai"));
const SIZE = (flag("--size") ?? "large") as AnySize;
if (!SIZES.includes(SIZE)) throw new Error(`--size must be one of ${SIZES.join(", ")}`);
const RATE = Number(flag("--rate") ?? 40);
const SECONDS = Number(flag("--seconds") ?? 5);
const REPS = Number(flag("--reps") ?? 4);
/** Streams (20 text events 10 ms apart, as the bench's streaming phase) and their TTFT, instead of answers. */
const STREAM = argv.includes("--stream");
/** Requests (or streams) each arm serves at a high rate before anything is measured. */
const WARM = Number(flag("--warm") ?? 0);
/** A closed loop on this many connections instead of the open loop: the most each arm serves. */
const CLOSED = Number(flag("--closed") ?? 0);
if (CLOSED && STREAM) throw new Error("--closed goes without --stream");
/** Compare chat completions with this family on the gateway, instead of L2 with L3. */
const FAMILY = flag("--family");
/** Responses kept (`store: true`) in the default store, instead of `store: false` on memory. */
const STORE = argv.includes("--store");
if (STORE && FAMILY !== "responses") throw new Error("--store goes with --family responses");
const FAMILIES = {
  responses: {
    ...APIS.responses,
    arm: "L3resp",
    body: (size: AnySize, model: string, stream: boolean) => responsesBody(size, model, stream, STORE),
  },
  messages: { ...APIS.messages, arm: "L3msg" },
  newlines: { ...APIS.chat, arm: "L3nl", body: chatBodyWithNewlines },
} as const;
if (FAMILY !== undefined && !(FAMILY in FAMILIES)) throw new Error("--family must be responses, messages or newlines");
const GATEWAY_ENV = {
  ...(STORE ? { SESSION_STORE: "" } : {}), // blank: the default, SQLite in the config directory
  ...(JSON.parse(process.env.GATEWAY_ENV ?? "{}") as Record<string, string>),
};

/** Minor page faults and CPU seconds (utime+stime) of a process so far. */
function counters(pid: number): { faults: number; cpuS: number } {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return { faults: Number(f[7]), cpuS: (Number(f[11]) + Number(f[12])) / CLK_TCK };
}

async function main() {
  const { dir, creds, env, mock } = await focusedSetup("ocigenai-paired-");
  const mockUrl = mock.url;
  const { child: l3, port: l3Port } = await startGateway(BIN, dir, env, mockUrl, GATEWAY_ENV);
  const headers = { "content-type": "application/json", authorization: "Bearer bench" };
  const encode = (s: string) => new TextEncoder().encode(s);
  type Arm = { name: string; pid: number; target: Target; body: Uint8Array<ArrayBuffer>; dialect: Dialect };
  const arms: Arm[] = [];
  const l3Arm = (path: string, body: string, dialect: Dialect, name: string): Arm => ({
    name,
    pid: l3.pid,
    target: { url: `http://127.0.0.1:${l3Port}${path}`, headers },
    body: encode(body),
    dialect,
  });
  const chat = l3Arm(APIS.chat.path, APIS.chat.body(SIZE, "bench", STREAM), APIS.chat.dialect, "L3");
  if (FAMILY) {
    const f = FAMILIES[FAMILY as keyof typeof FAMILIES];
    arms.push(chat, l3Arm(f.path, f.body(SIZE, "bench", STREAM), f.dialect, f.arm));
  } else {
    const l2 = spawnTracked("L2", [process.execPath, join(BENCH, "proxy-bare.ts"), "--sign"], {
      env: { ...env, UPSTREAM: mockUrl, KEY_FILE: creds.keyFile, KEY_ID: creds.keyId },
      cpu: 0,
    });
    const port = (await l2.waitFor(LISTENING, 20_000))[1];
    const target = { url: `http://127.0.0.1:${port}/v1/chat/completions`, headers };
    arms.push({ name: "L2", pid: l2.pid, target, body: chat.body, dialect: "oci" }, chat);
  }
  if (STREAM) {
    await mock.mode({ latencyMs: 0, sse: true, events: 20, gapMs: 10 });
  }
  /**
   * One measured run of a group of arms, their requests taken in turn (one arm: a plain run):
   * per arm, the time to the first token of each stream, or of each answer (ms).
   */
  const run = async (group: Arm[], seconds: number): Promise<number[][]> => {
    if (!STREAM) {
      const rs = await openLoopMixed(
        group.map((a) => ({ t: a.target, body: a.body })),
        RATE,
        seconds,
      );
      return rs.map((r) => Array.from(r.latencies));
    }
    const rs = await streamLoadMixed(
      group.map((a) => ({ t: a.target, body: a.body, dialect: a.dialect })),
      20,
      RATE,
      seconds,
    );
    rs.forEach((list, k) => {
      const bad = list.filter((x) => !x.ok);
      if (bad.length) throw new Error(`${group[k]!.name}: ${bad.length} streams failed (${bad[0]!.error})`);
    });
    return rs.map((list) => list.map((x) => x.ttftMs));
  };
  // JavaScriptCore optimizes a function after it has run ~1,000 times: at 20 streams/s, code
  // that runs once per stream is still interpreted for the first minute (BENCHMARKS.md).
  for (const a of arms) {
    if (!WARM) continue;
    const seconds = WARM / 400;
    const failed = STREAM
      ? (await streamLoad(a.target, a.body, a.dialect, 20, 400, seconds)).filter((x) => !x.ok).length
      : (await openLoop(a.target, a.body, 400, seconds)).errors;
    if (failed) throw new Error(`${a.name}: ${failed} failed during the warm-up`);
  }
  if (CLOSED) return closedRuns(arms);
  // A family and chat completions share one run, request by request (as the bench pairs them);
  // L2 and L3 are two processes, run in turn.
  const groups = FAMILY ? [arms] : arms.map((a) => [a]);
  for (const g of groups) await run(g, 3 * g.length); // settle, at the measured rate
  const rows: Record<string, string[]> = Object.fromEntries(arms.map((a) => [a.name, []]));
  const p50s: Record<string, number[]> = Object.fromEntries(arms.map((a) => [a.name, []]));
  const p99s: Record<string, number[]> = Object.fromEntries(arms.map((a) => [a.name, []]));
  for (let rep = 0; rep < REPS; rep++)
    // Alternate which group goes first, so neither always follows the other's load.
    for (const g of rep % 2 ? [...groups].reverse() : groups) {
      const pid = g[0]!.pid;
      const before = counters(pid);
      const ms = await run(g, SECONDS * g.length);
      const after = counters(pid);
      const sent = ms.reduce((n, list) => n + list.length, 0);
      g.forEach((a, k) => {
        const sorted = [...ms[k]!].sort((x, y) => x - y);
        const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
        p50s[a.name]!.push(p(0.5));
        p99s[a.name]!.push(p(0.99));
        rows[a.name]!.push(
          `p50 ${p(0.5).toFixed(2)} p99 ${p(0.99).toFixed(2)} ms, ${((after.faults - before.faults) / sent).toFixed(0)} faults, ${(((after.cpuS - before.cpuS) * 1e6) / sent).toFixed(0)} µs CPU`,
        );
      });
    }
  const what = STREAM ? "streams, time to the first token" : "answers";
  console.log(
    `${SIZE} body, ${what}, ${RATE}/s × ${SECONDS} s, ${REPS} alternating repetitions (absolute, per request):`,
  );
  for (const [name, r] of Object.entries(rows)) console.log(`${name}: ${r.join(" | ")}`);
  for (const [q, per] of [
    ["p50", p50s],
    ["p99", p99s],
  ] as const) {
    const [first, second] = arms.map((a) => per[a.name]!);
    const diffs = second!.map((x, i) => x - first![i]!).sort((x, y) => x - y);
    console.log(
      `${arms[1]!.name} − ${arms[0]!.name}, ${q} per repetition: ${diffs.map((d) => d.toFixed(2)).join(" ")} → median ${diffs[Math.floor(diffs.length / 2)]!.toFixed(3)} ms`,
    );
  }
}

/** `--closed`: the arms saturated in turn (the client shares CPU 1 with the mock, as the bench's wrk does). */
async function closedRuns(arms: Array<{ name: string; pid: number; target: Target; body: Uint8Array<ArrayBuffer> }>) {
  for (const a of arms) await closedLoop(a.target, a.body, CLOSED, 3); // settle
  const rows: Record<string, string[]> = Object.fromEntries(arms.map((a) => [a.name, []]));
  const rates: Record<string, number[]> = Object.fromEntries(arms.map((a) => [a.name, []]));
  for (let rep = 0; rep < REPS; rep++)
    for (const a of rep % 2 ? [...arms].reverse() : arms) {
      const before = counters(a.pid);
      const r = await closedLoop(a.target, a.body, CLOSED, SECONDS);
      const after = counters(a.pid);
      if (r.errors) throw new Error(`${a.name}: ${r.errors} failed requests`);
      rates[a.name]!.push(r.rps);
      rows[a.name]!.push(
        `${r.rps.toFixed(0)} req/s, ${(((after.cpuS - before.cpuS) * 1e6) / r.requests).toFixed(0)} µs CPU`,
      );
    }
  console.log(`${SIZE} body, closed loop on ${CLOSED} connections, ${SECONDS} s × ${REPS} alternating repetitions:`);
  for (const [name, r] of Object.entries(rows)) console.log(`${name}: ${r.join(" | ")}`);
  const [first, second] = arms.map((a) => rates[a.name]!);
  const ratios = second!.map((x, i) => x / first![i]!).sort((x, y) => x - y);
  console.log(
    `${arms[1]!.name} ÷ ${arms[0]!.name}, req/s per repetition: ${ratios.map((x) => x.toFixed(2)).join(" ")} → median ${ratios[Math.floor(ratios.length / 2)]!.toFixed(3)}`,
  );
}

runTool("paired-latency", main, (REPS * 2 * (SECONDS + 2) + 60 + WARM / 100) * 1000);
