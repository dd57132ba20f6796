/**
 * Quotas across workers on the store the binary ships with (SQLite in its config directory):
 * closed-loop throughput of one worker and of two, each alternating requests under a team key
 * whose limits never bind (admission, lease, settlement per request) with requests under a plain
 * key (no quota), binaries one after the other:
 *
 *   bun bench/quota-workers.ts [--bin A --bin B] [--reps 3] [--seconds 3] [--store redis://…]
 *
 * Nothing pinned, as the bench's workers phase: the workers, the mock and wrk share the cores.
 * Every process it starts is stopped by pid when it ends (or at a hard deadline).
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { chatBody } from "./lib/bodies";
import { focusedSetup, LISTENING, serveArgs } from "./lib/gateway";
import { CLK_TCK, runTool, spawnTracked, treeTicks } from "./lib/procs";
import { runWrk } from "./lib/wrk";

const argv = process.argv.slice(2);
const flag = (n: string) => (argv.indexOf(n) >= 0 ? argv[argv.indexOf(n) + 1] : undefined);
const bins = argv.flatMap((a, i) => (argv[i - 1] === "--bin" ? [resolve(a)] : []));
const BINS = bins.length ? bins : [join(import.meta.dir, "../dist/ocigenai")];
const REPS = Number(flag("--reps") ?? 3);
const SECONDS = Number(flag("--seconds") ?? 3);
/** SESSION_STORE for the workers; blank (default): SQLite in the config directory. */
const STORE = flag("--store") ?? "";
const TEAM_KEY = "bench-team-key";
/** This process is pinned to CPU 1 (focusedSetup) and children inherit it: the workers and wrk must not be. */
const ANY_CORE = ["taskset", "-c", "0-1"];
const PLAIN_KEY = "bench-plain-key";

async function main() {
  const { dir, env, mock } = await focusedSetup("ocigenai-quota-workers-");
  const team = { sha256: createHash("sha256").update(TEAM_KEY).digest("hex"), rpm: 1e9, tpm: 1e11 };
  writeFileSync(
    join(dir, "api_keys.json"),
    JSON.stringify({ team: { ...team, daily_tokens: 1e11, max_concurrent: 1e6 } }),
  );
  const body = join(dir, "body.json");
  writeFileSync(body, chatBody("small", "bench"));
  for (const bin of BINS)
    for (const n of [1, 2]) {
      const g = spawnTracked(`workers-${n}`, [...ANY_CORE, bin, ...serveArgs(dir), "--workers", String(n)], {
        env: { ...env, API_KEY: PLAIN_KEY, OCI_INFERENCE_ENDPOINT: mock.url, LOG_LEVEL: "warn", SESSION_STORE: STORE },
        cwd: dir,
      });
      const port = (await g.waitFor(LISTENING, 20_000))[1];
      const run = async (key: string, seconds: number) => {
        const t0 = treeTicks(g.pid);
        const url = `http://127.0.0.1:${port}/v1/chat/completions`;
        const o = { url, bodyFile: body, key, threads: 1, conns: 32, seconds, env, prefix: ANY_CORE };
        const r = await runWrk(`wrk-${n}`, o);
        if (r.errors) throw new Error(`${key}: ${r.errors} errors`);
        const cores = (treeTicks(g.pid) - t0) / CLK_TCK / seconds;
        return `${r.rps.toFixed(0)}/s p99 ${r.p99Ms.toFixed(1)} ms, ${cores.toFixed(2)} cores`;
      };
      await run(PLAIN_KEY, 4); // JavaScriptCore compiles for the first seconds of a load
      await run(TEAM_KEY, 4);
      for (let rep = 0; rep < REPS; rep++)
        console.log(
          `${bin} workers ${n}: plain key ${await run(PLAIN_KEY, SECONDS)} | team key ${await run(TEAM_KEY, SECONDS)}`,
        );
      await g.stop();
    }
}

runTool("quota-workers", main, (BINS.length * 2 * (REPS * 2 * (SECONDS + 1) + 30) + 60) * 1000);
