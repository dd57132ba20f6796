/** When the memory governor (src/server/memory-governor.ts) asks for a collection, and when it does not. */
import { describe, expect, test } from "bun:test";
import { governMemory, MemoryGovernor } from "../../src/server/memory-governor";

const MB = 2 ** 20;
const WHEN = { growthBytes: 4 * MB, stepBytes: 0.5 * MB, ticks: 3 };
/** The looks (sizes in MB) at which a governor starting at `start` MB asks for a collection. */
function asks(start: number, sizes: number[]): number[] {
  const g = new MemoryGovernor(WHEN, start * MB);
  return sizes.flatMap((size, i) => (g.tick(size * MB) ? [i] : []));
}

describe("MemoryGovernor", () => {
  test("steady or shrinking memory is never collected", () => {
    expect(asks(20, [20, 20, 20.2, 19, 15, 10, 10, 10])).toEqual([]);
  });

  test("a steady climb of garbage is collected once it stands 4 MB over the floor", () => {
    // 106 → 137 MB in a run without the governor: 1–3 MB a second.
    expect(asks(106, [106, 107, 109, 111, 113])).toEqual([3]); // 3 rises in a row, 5 MB over
  });

  test("growth in one jump or in swings is not a steady climb", () => {
    // Streams opening: +25 MB at once, then flat.
    expect(asks(80, [105, 106, 106, 106, 106, 106])).toEqual([]);
    // A request load: RSS up and down by a few MB.
    expect(asks(74, [76, 78, 75, 77, 78.5, 76, 78, 79, 77])).toEqual([]);
    // Creeping up by less than the step each second.
    expect(asks(74, [74.4, 74.8, 75.2, 75.6, 76, 76.4, 76.8, 77.2, 77.6, 78, 78.4, 78.8])).toEqual([]);
  });

  test("after asking, growth counts from there: what the collection left is live", () => {
    // The collection did not bring RSS down (the memory is held): no second ask for the same growth…
    expect(asks(100, [101, 102, 103, 104.5, 104.5, 104.5, 105, 106, 107, 108])).toEqual([3]);
    // …but a climb that goes on past another 4 MB is asked again.
    expect(asks(100, [101, 102, 103, 104.5, 105.5, 106.5, 107.5, 108.5, 109.5])).toEqual([3, 7]);
    // A collection that freed memory lowers the floor the next climb is measured from.
    expect(asks(100, [101, 102, 103, 104.5, 99, 100, 101, 102, 103.5])).toEqual([3, 8]);
  });

  test("governMemory looks at the real RSS: garbage climbing steadily is collected without being asked", async () => {
    let asked = 0;
    const { governor, stop } = governMemory(20, { growthBytes: 4 * MB, stepBytes: 64 * 1024, ticks: 2 }, () => asked++);
    // Strings kept alive just long enough to make RSS climb look after look.
    let keep: string[] = [];
    for (let round = 0; round < 60 && governor.collections === 0; round++) {
      for (let i = 0; i < 500; i++) keep.push(`${round}:${i}:${"x".repeat(1000)}`.slice(1));
      await Bun.sleep(22);
      if (keep.length > 40_000) keep = [];
    }
    stop();
    expect(governor.collections).toBeGreaterThan(0);
    expect(asked).toBe(governor.collections);
  });
});
