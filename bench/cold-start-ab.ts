/**
 * Cold starts of several binaries, alternated start by start, so that this machine's speed (which
 * moves by up to half within an hour) lands on all of them alike: the way to tell whether a change
 * to the start-up helps by 2 ms when one hyperfine run moves by 10.
 *
 *   bun bench/cold-start-ab.ts [--runs 60] BIN [BIN…]
 *
 * Each start: the binary pinned to CPU 0 (this process to CPU 1) with the bench's configuration
 * (OCI mode, an API key and one model), `GET /health` asked back to back by this process's fetch
 * until a 200, then SIGKILL and wait. Prints each binary's median, mean and minimum in ms from
 * spawn to the 200. Two warm-up starts per binary are not counted.
 */
import { rmSync } from "node:fs";
import { makeTestCredentials } from "../test/support/keys";
import { benchConfigDir } from "./lib/config-dir";
import { freePort } from "./lib/net";
import { median } from "./lib/stats";

const argv = process.argv.slice(2);
const runsAt = argv.indexOf("--runs");
const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 60;
// Without --runs, runsAt + 1 is 0: the first binary, which must not be taken for its value.
const bins = argv.filter((a, i) => a !== "--runs" && !(runsAt >= 0 && i === runsAt + 1));
if (bins.length === 0 || !Number.isInteger(runs) || runs < 1) {
  console.error("usage: bun bench/cold-start-ab.ts [--runs 60] BIN [BIN…]");
  process.exit(2);
}

const dir = benchConfigDir("ocigenai-cold-ab-");
await makeTestCredentials(dir, { relativeKeyFile: true });
const pinned = Bun.which("taskset") !== null;
if (pinned) Bun.spawnSync(["taskset", "-p", "-c", "1", String(process.pid)], { stdout: "ignore" });

async function start(bin: string): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = Bun.spawn(
    [
      ...(pinned ? ["taskset", "-c", "0"] : []),
      bin,
      "--config-dir",
      dir,
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
    ],
    {
      env: {
        PATH: "/usr/bin:/bin",
        HOME: dir,
        API_KEY: "bench",
        OCI_INFERENCE_ENDPOINT: "http://127.0.0.1:9",
        LOG_LEVEL: "warn",
        SESSION_STORE: "memory",
      },
      stdout: "ignore",
      stderr: "ignore",
    },
  );
  try {
    while (performance.now() - t0 < 10_000) {
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
        async (r) => {
          await r.arrayBuffer();
          return r.status === 200;
        },
        () => false,
      );
      if (ok) return performance.now() - t0;
      if (child.exitCode !== null) break;
    }
    throw new Error(`${bin} gave no 200 on /health within 10 s`);
  } finally {
    child.kill(9);
    await child.exited;
  }
}

try {
  for (const bin of bins) for (let i = 0; i < 2; i++) await start(bin);
  const times = bins.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) for (let b = 0; b < bins.length; b++) times[b]!.push(await start(bins[b]!));
  for (let b = 0; b < bins.length; b++) {
    const t = times[b]!;
    const mean = t.reduce((x, y) => x + y, 0) / t.length;
    console.log(
      `${bins[b]}: median ${median(t).toFixed(1)} ms, mean ${mean.toFixed(1)}, min ${Math.min(...t).toFixed(1)} (${t.length} starts)`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
