/** The open-stream registry (src/http/stream-registry.ts): terminating all, and the rise listener behind the memory governor's surge rule. */
import { describe, expect, spyOn, test } from "bun:test";
import { StreamRegistry, type Terminable } from "../../src/http/stream-registry";
import { collectSoon } from "../../src/server/memory-governor";

const stream = (): Terminable & { reasons: string[] } => {
  const reasons: string[] = [];
  return { reasons, terminate: (r) => void reasons.push(r) };
};

/** A registry whose rise listener records the open count each time it is called. */
function watched(step: number) {
  const r = new StreamRegistry();
  const calls: number[] = [];
  r.onRise(step, () => calls.push(r.size));
  return { r, calls };
}

describe("StreamRegistry", () => {
  test("terminateAll ends every open stream once, with the reason, and empties the registry", () => {
    const r = new StreamRegistry();
    const a = stream();
    const b = stream();
    r.add(a);
    r.add(b);
    r.remove(b);
    expect(r.terminateAll("bye")).toBe(1);
    expect(a.reasons).toEqual(["bye"]);
    expect(b.reasons).toEqual([]);
    expect(r.size).toBe(0);
  });

  test("a surge calls the rise listener at each step", () => {
    const { r, calls } = watched(250);
    for (let i = 0; i < 1000; i++) r.add(stream());
    expect(calls).toEqual([250, 500, 750, 1000]);
  });

  test("a rise counts from the fewest open since the last call", () => {
    const { r, calls } = watched(250);
    const open = Array.from({ length: 300 }, stream);
    for (const s of open) r.add(s);
    expect(calls).toEqual([250]);
    // Down to 100 open: the next call needs 350 open, not 500.
    for (const s of open.splice(0, 200)) r.remove(s);
    for (let i = 0; i < 249; i++) r.add(stream());
    expect(calls).toEqual([250]);
    r.add(stream());
    expect(calls).toEqual([250, 350]);
  });

  test("streams replaced one for one at a steady count never call it", () => {
    const { r, calls } = watched(250);
    const open = Array.from({ length: 1000 }, stream);
    for (const s of open) r.add(s);
    calls.length = 0;
    for (let i = 0; i < 5000; i++) {
      r.remove(open.shift()!);
      const s = stream();
      open.push(s);
      r.add(s);
    }
    expect(calls).toEqual([]);
  });

  test("after terminateAll a rise counts from zero", () => {
    const { r, calls } = watched(10);
    for (let i = 0; i < 15; i++) r.add(stream());
    r.terminateAll("restart");
    for (let i = 0; i < 10; i++) r.add(stream());
    expect(calls).toEqual([10, 10]);
  });
});

describe("collectSoon", () => {
  test("one full collection in the next turn, however often asked meanwhile", async () => {
    const gc = spyOn(Bun, "gc");
    let collected = 0;
    try {
      collectSoon(() => collected++);
      collectSoon(() => collected++);
      collectSoon(() => collected++);
      expect(gc).not.toHaveBeenCalled();
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      expect(gc).toHaveBeenCalledTimes(1);
      expect(gc).toHaveBeenCalledWith(true);
      expect(collected).toBe(1);
      collectSoon();
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      expect(gc).toHaveBeenCalledTimes(2);
    } finally {
      gc.mockRestore();
    }
  });
});
