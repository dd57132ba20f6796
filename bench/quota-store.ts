/**
 * What the quota store adds to a limited request, per store: one `admit` (every limit given, a
 * lease taken), one `settle` and one `release`, one at a time, timed call by call:
 *
 *   bun bench/quota-store.ts [--n 20000] [--keys 10]
 *
 * Memory, SQLite (a fresh file in a temp directory, WAL, as the gateway opens it) and Redis (a
 * throwaway loopback redis-server, when one is installed). Prints p50, p99 and mean in µs.
 */
import type { StateStore } from "../src/state/types";
import { benchEachStore, numberFlag } from "./lib/store-bench";

const N = numberFlag("--n", 20_000);
const KEYS = numberFlag("--keys", 10);
const BIG = 1_000_000_000;

type Op = "admit" | "settle" | "release";

async function measure(store: StateStore, n: number): Promise<Record<string, number[]>> {
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
  return { ...times, "a+s": times.admit.map((a, i) => a + times.settle[i]!) };
}

await benchEachStore("ocigenai-quota-bench-", N, measure);
