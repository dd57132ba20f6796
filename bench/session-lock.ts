/**
 * What the session lock costs an agent turn, per store: one `lock` and its release on a free key,
 * one at a time, timed pair by pair:
 *
 *   bun bench/session-lock.ts [--n 20000] [--keys 10]
 *
 * Memory is the in-process KeyLock alone (what the SQLite store used before its lock held across
 * processes), so SQLite minus memory is what the file adds. SQLite: a fresh file in a temp
 * directory, WAL, as the gateway opens it. Redis: a throwaway loopback redis-server, when one is
 * installed. Prints p50, p99 and mean in µs.
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
const LOCK = { waitMs: 5_000, leaseMs: 30_000 }; // the gateway's defaults

async function measure(store: StateStore, n: number): Promise<{ lock: number[]; release: number[] }> {
  const times = { lock: [] as number[], release: [] as number[] };
  for (let i = 0; i < n; i++) {
    let t = Bun.nanoseconds();
    const release = await store.lock(`owner|ep|chan:${i % KEYS}`, LOCK);
    times.lock.push(Bun.nanoseconds() - t);
    t = Bun.nanoseconds();
    await release();
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
  await measure(store, Math.min(2_000, N)); // warm-up: JIT, statement cache
  const t = await measure(store, N);
  console.log(`${name.padEnd(7)} (${N} each)`);
  console.log(`  ${"lock".padEnd(8)} ${summary(t.lock)}`);
  console.log(`  ${"release".padEnd(8)} ${summary(t.release)}`);
  console.log(`  ${"both".padEnd(8)} ${summary(t.lock.map((l, i) => l + t.release[i]!))}`);
  await store.close();
}

const dir = mkdtempSync(join(tmpdir(), "ocigenai-lock-bench-"));
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
