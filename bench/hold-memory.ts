/**
 * The bench's memory phase alone, repeated on fresh instances — the quick check behind the
 * "RSS ≤ 120 MB with 1,000 open streams" budget (BENCHMARKS.md), without the whole bench:
 *
 *   bun bench/hold-memory.ts [--bin dist/ocigenai]… [--reps 3] [--count 1000] [--hold 20000] [--used S]
 *
 * Each repetition starts a fresh gateway (each `--bin` in turn, so variants alternate), warms it as
 * the bench does, holds COUNT streams of one event a second for HOLD ms (bench/hold-streams.ts) and
 * samples the gateway's memory every 0.25 s: RSS (anonymous + file-backed pages) when all are open,
 * the median and the peak, and the anonymous part at each — what the process allocated, apart from
 * the executable's own pages.
 *
 * `--used S`: before the hold, the instance serves what the whole bench's instance has served by
 * its memory phase, in short: S seconds each of small and ~100 KB requests in a closed loop, the
 * three families taken in turn, then S seconds of streams (all three families, 200 a second), then
 * 30 s idle (the bench holds L1's streams meanwhile) — the "instance that ran the whole bench" row
 * of the report, reproduced in a minute or two.
 *
 * Extra environment for the gateway only: GATEWAY_ENV='{"MIMALLOC_PURGE_HOLES":"0"}'.
 * Same layout as the bench: the mock and the holder on CPU 1, the gateway on CPU 0, loopback only;
 * every process it starts is stopped by pid when it ends (or at a hard deadline).
 */
import { join, resolve } from "node:path";
import { APIS, chatBody } from "./lib/bodies";
import { focusedSetup, holdStreams, type Mock, startGateway } from "./lib/gateway";
import { closedLoop, streamLoadMixed } from "./lib/load";
import { rss, runTool } from "./lib/procs";
import { groupMax } from "./lib/stats";

/** Resident memory of a process in MB: all of it, and the anonymous part. */
const memory = (pid: number) => {
  const m = rss(pid);
  return { rss: m.rss / 2 ** 20, anon: m.anon / 2 ** 20 };
};

const argv = process.argv.slice(2);
const flag = (n: string) => (argv.indexOf(n) >= 0 ? argv[argv.indexOf(n) + 1] : undefined);
const BENCH = import.meta.dir;
const bins = argv.flatMap((a, i) => (a === "--bin" && argv[i + 1] ? [resolve(argv[i + 1]!)] : []));
if (bins.length === 0) bins.push(join(BENCH, "../dist/ocigenai"));
const REPS = Number(flag("--reps") ?? 3);
const COUNT = Number(flag("--count") ?? 1000);
const HOLD_MS = Number(flag("--hold") ?? 20_000);
const GATEWAY_ENV = JSON.parse(process.env.GATEWAY_ENV ?? "{}") as Record<string, string>;
const USED_S = Number(flag("--used") ?? 0);

const enc = (s: string) => new TextEncoder().encode(s);
const FAMILIES = Object.values(APIS);

/** The whole bench's load before its memory phase, in short (`--used`). */
async function use(base: string, headers: Record<string, string>, mock: Mock): Promise<void> {
  await mock.mode({ latencyMs: 0, sse: false });
  for (const size of ["small", "large"] as const)
    await Promise.all(
      FAMILIES.map((f) => closedLoop({ url: base + f.path, headers }, enc(f.body(size, "bench")), 2, USED_S)),
    );
  await mock.mode({ latencyMs: 0, sse: true, events: 20, gapMs: 10 });
  const runs = await streamLoadMixed(
    FAMILIES.map((f) => ({
      t: { url: base + f.path, headers },
      body: enc(f.body("small", "bench", true)),
      dialect: f.dialect,
    })),
    20,
    200,
    USED_S,
  );
  const failed = runs.flat().filter((r) => !r.ok).length;
  if (failed) throw new Error(`--used: ${failed} streams failed`);
  await mock.mode({ latencyMs: 0, sse: false });
  await Bun.sleep(30_000);
}

async function main() {
  const { dir, env, mock } = await focusedSetup("ocigenai-hold-");
  const headers = { "content-type": "application/json", authorization: "Bearer bench" };
  const rows: Record<string, string[]> = Object.fromEntries(bins.map((b) => [b, []]));
  const peaks: Record<string, number[]> = Object.fromEntries(bins.map((b) => [b, []]));
  for (let rep = 0; rep < REPS; rep++)
    for (const bin of rep % 2 ? [...bins].reverse() : bins) {
      for (let i = 0; i < 50 && (await mock.openStreams()) > 0; i++) await Bun.sleep(100);
      await mock.mode({ latencyMs: 0, sse: false });
      const { child: g, port } = await startGateway(bin, dir, env, mock.url, GATEWAY_ENV);
      const url = `http://127.0.0.1:${port}/v1/chat/completions`;
      // Warmed as the bench's fresh instance is: four connections for a second.
      await closedLoop({ url, headers }, enc(chatBody("small", "bench")), 4, 1);
      if (USED_S > 0) await use(`http://127.0.0.1:${port}`, headers, mock);
      const idle = memory(g.pid);
      await mock.mode({ latencyMs: 0, sse: true, events: 3600, gapMs: 1000 });
      const { holder, ready } = await holdStreams({
        name: "hold",
        url,
        count: COUNT,
        holdMs: HOLD_MS,
        timeoutMs: 30_000,
        key: "bench",
        env,
        cpu: 1,
      });
      const samples: { rss: number; anon: number }[] = [];
      const until = Date.now() + HOLD_MS - 500;
      do {
        samples.push(memory(g.pid));
        await Bun.sleep(250);
      } while (Date.now() < until);
      await holder.waitFor(/DONE/, 15_000);
      await holder.stop();
      await g.stop();
      const open = samples[0]!;
      const byRss = [...samples].sort((x, y) => x.rss - y.rss);
      const med = byRss[byRss.length >> 1]!;
      const peak = byRss[byRss.length - 1]!;
      peaks[bin]!.push(peak.rss);
      // Each second's highest RSS: where in the hold the peak falls (the ramp's garbage, or later).
      const series = groupMax(
        samples.map((x) => x.rss),
        4,
      );
      rows[bin]!.push(
        `idle ${idle.rss.toFixed(1)} (anon ${idle.anon.toFixed(1)}) · open ${open.rss.toFixed(1)} (${open.anon.toFixed(1)}) · median ${med.rss.toFixed(1)} (${med.anon.toFixed(1)}) · peak ${peak.rss.toFixed(1)} (${peak.anon.toFixed(1)}) MB · ${ready.firstEvent}/${COUNT} first events (all in ${ready.ms} ms)\n    per second: ${series.map((x) => x.toFixed(0)).join(" ")}`,
      );
      console.log(`${bin} rep ${rep + 1}: ${rows[bin]!.at(-1)}`);
    }
  console.log(
    `\n${COUNT} streams × 1 event/s, held ${HOLD_MS / 1000} s, fresh instance per repetition${USED_S ? `, used ${USED_S} s per load first` : ""} (MB; anon in brackets):`,
  );
  for (const b of bins) {
    const p = [...peaks[b]!].sort((x, y) => x - y);
    console.log(`${b}: peaks ${p.map((x) => x.toFixed(1)).join(" ")} → median ${p[p.length >> 1]!.toFixed(1)}`);
    for (const r of rows[b]!) console.log(`  ${r}`);
  }
}

runTool("hold-memory", main, REPS * bins.length * (HOLD_MS + 60_000 + USED_S * 4_000 + 30_000) + 30_000);
