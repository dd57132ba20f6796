/**
 * How answers reach the usage ledger: keys without token limits in batches (one store write per
 * key and alias per flush), keys with token limits at once (their next admission reads them),
 * and nothing left behind at /admin/usage or shutdown.
 */
import { describe, expect, test } from "bun:test";
import type { KeyIdentity } from "../../src/config/key-ring";
import { createLogger } from "../../src/observability/logger";
import { Metrics } from "../../src/observability/metrics";
import { LEDGER_FLUSH_MS, Quotas } from "../../src/quotas/quotas";
import { MemorySessionStore } from "../../src/state/memory";
import { utcDay } from "../../src/state/quota-rules";
import type { SettledUsage } from "../../src/state/types";

/** The memory store, counting the writes that reach it (settlements, and lease releases). */
function countingStore() {
  const store = new MemorySessionStore();
  const writes: Array<{ key: string; alias: string; usage: SettledUsage; lease?: string }> = [];
  const releases: string[] = [];
  const settle = store.settle.bind(store);
  store.settle = async (key, alias, usage, lease) => {
    writes.push({ key, alias, usage, ...(lease ? { lease } : {}) });
    return settle(key, alias, usage, lease);
  };
  const release = store.release.bind(store);
  store.release = async (key, lease) => {
    releases.push(`${key}:${lease}`);
    return release(key, lease);
  };
  return { store, writes, releases };
}

const team = (name: string, limits: Partial<NonNullable<KeyIdentity["team"]>> = {}): KeyIdentity => ({
  id: name,
  name,
  team: { name, sha256: "x".repeat(64), ...limits } as NonNullable<KeyIdentity["team"]>,
  mayUse: () => true,
});
const usage = (i: number, o: number) => ({ inputTokens: i, outputTokens: o, totalTokens: i + o });
const today = () => utcDay(Date.now());

describe("the usage ledger", () => {
  test("unlimited keys: one write per key and alias per flush, counting every answer and token", async () => {
    const { store, writes } = countingStore();
    const q = new Quotas(store, { metrics: new Metrics(), log: createLogger("error"), leaseMs: 60_000 });
    const a = team("a");
    for (let i = 0; i < 5; i++) q.settle(a, "llama", usage(10, 2));
    q.settle(undefined, "llama", usage(1, 1));
    q.settle(a, "gpt", undefined);
    expect(writes).toHaveLength(0);
    await Bun.sleep(LEDGER_FLUSH_MS + 100);
    expect(writes).toHaveLength(3);
    const report = await q.usage({ from: today(), to: today() });
    const rows = report.data.map((r) => ({ key: r.key, alias: r.alias, requests: r.requests }));
    expect(rows).toContainEqual({ key: "a", alias: "llama", requests: 5 });
    expect(rows).toContainEqual({ key: "local", alias: "llama", requests: 1 });
    expect(rows).toContainEqual({ key: "a", alias: "gpt", requests: 1 });
  }, 5000);

  test("keys with token limits settle at once; /admin/usage and close() flush what waits", async () => {
    const { store, writes } = countingStore();
    const q = new Quotas(store, { metrics: new Metrics(), log: createLogger("error"), leaseMs: 60_000 });
    q.settle(team("t", { tpm: 1000 }), "llama", usage(7, 3));
    q.settle(team("d", { dailyTokens: 1000 }), "llama", usage(7, 3));
    expect(writes.map((w) => w.key)).toEqual(["t", "d"]);
    q.settle(team("u"), "llama", usage(1, 1));
    const report = await q.usage({ from: today(), to: today() });
    expect(report.data.some((r) => r.key === "u" && r.requests === 1)).toBe(true);
    q.settle(team("u"), "llama", usage(1, 1));
    await q.close();
    expect(writes.filter((w) => w.key === "u").map((w) => w.usage.requests)).toEqual([1, 1]);
  });

  test("a refused request (no alias yet) is not counted", async () => {
    const { store, writes } = countingStore();
    const q = new Quotas(store, { metrics: new Metrics(), log: createLogger("error"), leaseMs: 60_000 });
    q.settle(team("a"), undefined, usage(1, 1));
    await q.close();
    expect(writes).toHaveLength(0);
  });

  test("a request's lease is freed with its settlement: in the same write when it settles at once, else on its own", async () => {
    const { store, writes, releases } = countingStore();
    const q = new Quotas(store, { metrics: new Metrics(), log: createLogger("error"), leaseMs: 60_000 });
    const limited = team("t", { tpm: 1000, maxConcurrent: 1 });
    const first = await q.admit(limited);
    q.settle(limited, "llama", usage(7, 3), first);
    await Bun.sleep(0);
    expect(writes).toEqual([
      { key: "t", alias: "llama", usage: { inputTokens: 7, outputTokens: 3 }, lease: writes[0]!.lease! },
    ]);
    expect(writes[0]!.lease).toBeString();
    expect(releases).toEqual([]);
    expect(await q.admit(limited)).toBeDefined(); // the slot is free again: admitted, not a 429
    // Only a concurrency limit: the settlement waits for the ledger's flush, the lease does not.
    const onlyConcurrent = team("c", { maxConcurrent: 1 });
    const second = await q.admit(onlyConcurrent);
    q.settle(onlyConcurrent, "llama", usage(1, 1), second);
    await Bun.sleep(0);
    expect(releases).toHaveLength(1);
    expect(releases[0]).toStartWith("c:");
    expect(await q.admit(onlyConcurrent)).toBeDefined();
    // Refused before any alias was known: no settlement, but the lease goes.
    const third = team("r", { maxConcurrent: 1 });
    q.settle(third, undefined, undefined, await q.admit(third));
    await Bun.sleep(0);
    expect(releases).toHaveLength(2);
    await q.close();
  });
});

describe("a concurrency lease while its request runs", () => {
  test("is renewed: a request longer than the lease keeps its slot; once released, the slot is free", async () => {
    const store = new MemorySessionStore();
    // Renewed every 200 ms; a lapse needs the timer 400 ms late, far beyond a busy test run's jitter.
    const q = new Quotas(store, { metrics: new Metrics(), log: createLogger("error"), leaseMs: 600 });
    const key = team("one-at-a-time", { maxConcurrent: 1 });
    const first = await q.admit(key);
    await Bun.sleep(1300); // over twice the lease: without renewal it would have lapsed
    await expect(q.admit(key)).rejects.toMatchObject({ status: 429 });
    first!.release();
    const second = await q.admit(key);
    expect(second).toBeDefined();
    second!.release();
    await store.close();
  });
});
