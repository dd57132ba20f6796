/**
 * What a Prometheus scrape of /metrics costs the gateway while it holds open streams: the time
 * each GET /metrics takes (the handler renders on the event loop, so every request and stream of
 * the process waits that long), binaries alternated on fresh instances:
 *
 *   bun bench/metrics-scrape.ts [--bin A --bin B] [--streams 1000] [--scrapes 20] [--reps 2]
 *
 * Same layout as the bench: the gateway on CPU 0, the mock and the clients on CPU 1; the streams
 * come from bench/hold-streams.ts (its own process), the mock sends each an event a second.
 * Every process it starts is stopped by pid when it ends (or at a hard deadline).
 */
import { join, resolve } from "node:path";
import { focusedSetup, holdStreams, startGateway } from "./lib/gateway";
import { runTool } from "./lib/procs";
import { median } from "./lib/stats";

const argv = process.argv.slice(2);
const flag = (n: string) => (argv.indexOf(n) >= 0 ? argv[argv.indexOf(n) + 1] : undefined);
const BENCH = import.meta.dir;
const bins = argv.flatMap((a, i) => (argv[i - 1] === "--bin" ? [resolve(a)] : []));
const BINS = bins.length ? bins : [join(BENCH, "../dist/ocigenai")];
const STREAMS = Number(flag("--streams") ?? 1000);
const SCRAPES = Number(flag("--scrapes") ?? 20);
const REPS = Number(flag("--reps") ?? 2);

async function main() {
  const { dir, env, mock } = await focusedSetup("ocigenai-scrape-");
  await mock.mode({ latencyMs: 0, sse: true, events: 600, gapMs: 1000 });
  for (let rep = 0; rep < REPS; rep++)
    for (const bin of BINS) {
      const { child, port } = await startGateway(bin, dir, env, mock.url);
      const holder = STREAMS
        ? (
            await holdStreams({
              name: "hold",
              url: `http://127.0.0.1:${port}/v1/chat/completions`,
              count: STREAMS,
              holdMs: 600_000,
              timeoutMs: 30_000,
              key: "bench",
              env,
              cpu: 1,
            })
          ).holder
        : undefined;
      const ms: number[] = [];
      for (let i = 0; i < SCRAPES + 2; i++) {
        const t0 = performance.now();
        const r = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: "Bearer bench" } });
        const text = await r.text();
        if (r.status !== 200 || !text.includes("ocigenai_requests_total"))
          throw new Error(`/metrics: HTTP ${r.status}`);
        if (i >= 2) ms.push(performance.now() - t0); // the first two load and warm the renderer
        await Bun.sleep(200);
      }
      ms.sort((a, b) => a - b);
      console.log(
        `${bin} (${STREAMS} streams open): GET /metrics p50 ${median(ms).toFixed(1)} ms, max ${ms.at(-1)!.toFixed(1)} ms over ${ms.length} scrapes`,
      );
      await holder?.stop();
      await child.stop();
    }
}

runTool("metrics-scrape", main, (REPS * BINS.length * (SCRAPES * 0.5 + 60) + 60) * 1000);
