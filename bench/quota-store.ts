/**
 * What the quota store adds to a limited request, per store: one `admit` (every limit given, a
 * lease taken), one `settle` and one `release`, one at a time, timed call by call:
 *
 *   bun bench/quota-store.ts [--n 20000] [--keys 10]
 *
 * Memory, SQLite (a fresh file in a temp directory, WAL, as the gateway opens it) and Redis (a
 * throwaway loopback redis-server, when one is installed). Prints p50, p99 and mean in µs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemorySessionStore } from "../src/state/memory";
import { RedisSessionStore } from "../src/state/redis";
import { SqliteSessionStore } from "../src/state/sqlite";
import type { StateStore } from "../src/state/types";
import { startRedis } from "../test/support/redis";

const argv = process.argv.slice(2);
const flag = (n: string) => (argv.indexOf(n) >= 0 ? argv[argv.indexOf(n) + 1] : undefined);
const N = Number(flag("--n") ?? 20_000);
const KEYS = Number(flag("--keys") ?? 10);
const BIG = 1_000_000_000;

type Op = "admit" | "settle" | "release";

async function measure(store: StateStore, n: number): Promise<Record<Op, number[]>> {
  const times: Record<Op, number[]> = { admit: [], settle: [], release: [] };
  for (let i = 0; i < n; i++) {
    const key = `team-${i % KEYS}`;
    const leaseId = `lease-${i}`;
    let t = Bun.nanoseconds();
    const a = await store.admit({
      key,
      rpm: BIG,
      tpm: BIG,
      dailyTokens: BIG,
      concurrent: { limit: BIG, leaseId, leaseMs: 60_000 },
    });
    if (!a.allowed) throw new Error(`refused: ${JSON.stringify(a)}`);
    times.admit.push(Bun.nanoseconds() - t);
    t = Bun.nanoseconds();
    await store.settle(key, i % 3 ? "fast" : "deep", { inputTokens: 120, outputTokens: 40 });
    times.settle.push(Bun.nanoseconds() - t);
    t = Bun.nanoseconds();
    await store.release(key, leaseId);
    times.release.push(Bun.nanoseconds() - t);
  }
  return times;
}

function summary(ns: number[]): string {
  const s = [...ns].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]! / 1000;
  const mean = s.reduce((a, b) => a + b, 0) / s.length / 1000;
  return `p50 ${at(0.5).toFixed(1).padStart(7)} µs  p99 ${at(0.99).toFixed(1).padStart(7)} µs  mean ${mean.toFixed(1).padStart(7)} µs`;
}

async function run(name: string, store: StateStore): Promise<void> {
  await measure(store, Math.min(2_000, N)); // warm-up: JIT, statement cache, scripts loaded
  const t = await measure(store, N);
  console.log(`${name.padEnd(7)} (${N} each)`);
  for (const op of ["admit", "settle", "release"] as const) console.log(`  ${op.padEnd(8)} ${summary(t[op])}`);
  const both = t.admit.map((a, i) => a + t.settle[i]!);
  console.log(`  ${"a+s".padEnd(8)} ${summary(both)}`);
  await store.close();
}

const dir = mkdtempSync(join(tmpdir(), "ocigenai-quota-bench-"));
try {
  await run("memory", new MemorySessionStore());
  await run("sqlite", SqliteSessionStore.open(join(dir, "bench.db")));
  if (Bun.which("redis-server")) {
    const redis = await startRedis();
    try {
      await run("redis", new RedisSessionStore(redis.url));
    } finally {
      await redis.stop();
    }
  } else console.log("redis   skipped: no redis-server on PATH");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
