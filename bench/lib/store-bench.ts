/**
 * What the state-store micro benchmarks share: their flags, timing a measurement on each store
 * (memory; SQLite in a fresh temp file, WAL, as the gateway opens it; Redis on a throwaway
 * loopback redis-server when one is installed) after a warm-up, and printing p50/p99/mean in µs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemorySessionStore } from "../../src/state/memory";
import { RedisSessionStore } from "../../src/state/redis";
import { SqliteSessionStore } from "../../src/state/sqlite";
import type { StateStore } from "../../src/state/types";
import { startRedis } from "../../test/support/redis";

const argv = process.argv.slice(2);

/** A numeric `--name value` flag of the command line. */
export function numberFlag(name: string, fallback: number): number {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

/** Nanosecond timings as `p50 … µs  p99 … µs  mean … µs`. */
export function summaryUs(ns: readonly number[]): string {
  const s = [...ns].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]! / 1000;
  const mean = s.reduce((a, b) => a + b, 0) / s.length / 1000;
  const f = (v: number) => v.toFixed(1).padStart(7);
  return `p50 ${f(at(0.5))} µs  p99 ${f(at(0.99))} µs  mean ${f(mean)} µs`;
}

/** Runs `measure` on every store (warm-up first, then `n` times) and prints each series. */
export async function benchEachStore(
  tempPrefix: string,
  n: number,
  measure: (store: StateStore, n: number) => Promise<Record<string, number[]>>,
): Promise<void> {
  const one = async (name: string, store: StateStore) => {
    await measure(store, Math.min(2_000, n)); // warm-up: JIT, statement cache, scripts loaded
    const series = await measure(store, n);
    console.log(`${name.padEnd(7)} (${n} each)`);
    for (const [op, ns] of Object.entries(series)) console.log(`  ${op.padEnd(8)} ${summaryUs(ns)}`);
    await store.close();
  };
  const dir = mkdtempSync(join(tmpdir(), tempPrefix));
  try {
    await one("memory", new MemorySessionStore());
    await one("sqlite", SqliteSessionStore.open(join(dir, "bench.db")));
    if (Bun.which("redis-server")) {
      const redis = await startRedis();
      try {
        await one("redis", new RedisSessionStore(redis.url));
      } finally {
        await redis.stop();
      }
    } else console.log("redis   skipped: no redis-server on PATH");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
