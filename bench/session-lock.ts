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
import type { StateStore } from "../src/state/types";
import { benchEachStore, numberFlag } from "./lib/store-bench";

const N = numberFlag("--n", 20_000);
const KEYS = numberFlag("--keys", 10);
const LOCK = { waitMs: 5_000, leaseMs: 30_000 }; // the gateway's defaults

async function measure(store: StateStore, n: number): Promise<Record<string, number[]>> {
  const times = { lock: [] as number[], release: [] as number[] };
  for (let i = 0; i < n; i++) {
    let t = Bun.nanoseconds();
    const release = await store.lock(`owner|ep|chan:${i % KEYS}`, LOCK);
    times.lock.push(Bun.nanoseconds() - t);
    t = Bun.nanoseconds();
    await release();
    times.release.push(Bun.nanoseconds() - t);
  }
  return { ...times, both: times.lock.map((l, i) => l + times.release[i]!) };
}

await benchEachStore("ocigenai-lock-bench-", N, measure);
