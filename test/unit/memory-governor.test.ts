/** When the memory governor (src/server/memory-governor.ts) asks for a collection, and when it does not. */
import { describe, expect, test } from "bun:test";
import { governMemory, MemoryGovernor } from "../../src/server/memory-governor";

const MB = 2 ** 20;

describe("MemoryGovernor", () => {
  test("steady or shrinking memory is never collected", () => {
    const g = new MemoryGovernor(8 * MB, 20 * MB);
    for (const size of [20, 20, 25, 27, 27.9, 15, 10, 17.9]) expect(g.tick(size * MB)).toBe(false);
    expect(g.collections).toBe(0);
  });

  test("growth by the step over the smallest size seen asks once, then measures from there", () => {
    const g = new MemoryGovernor(8 * MB, 20 * MB);
    expect(g.tick(14 * MB)).toBe(false); // a collection happened: the floor is 14 now
    expect(g.tick(21 * MB)).toBe(false);
    expect(g.tick(22 * MB)).toBe(true); // 14 + 8
    // The collection left live data: the same size again is not a reason to collect again.
    expect(g.tick(22 * MB)).toBe(false);
    expect(g.tick(29 * MB)).toBe(false);
    expect(g.tick(30 * MB)).toBe(true); // 22 + 8
    // The collection freed most of it: growth counts from the new floor.
    expect(g.tick(16 * MB)).toBe(false);
    expect(g.tick(24 * MB)).toBe(true);
    expect(g.collections).toBe(3);
  });

  test("governMemory watches the real RSS: garbage piling up is collected without being asked", async () => {
    const { governor: g, stop } = governMemory(20, 4 * MB);
    // ~40 MB of short-lived strings kept alive just long enough to outgrow the step.
    let keep: string[] = [];
    for (let round = 0; round < 40 && g.collections === 0; round++) {
      for (let i = 0; i < 1000; i++) keep.push(`${round}:${i}:${"x".repeat(1000)}`.slice(1));
      await Bun.sleep(25);
      if (keep.length > 20_000) keep = [];
    }
    stop();
    expect(g.collections).toBeGreaterThan(0);
  });
});
