/** Pushed streams (src/lib/flow.ts): mapping, pulling a pushed flow, pumping an iterable, cancel. */
import { describe, expect, test } from "bun:test";
import { type Flow, type FlowControl, type FlowSink, flow, flowOf, isFlow, mapFlow } from "../../src/lib/flow";

/** A flow driven by the test: what it was asked (pause, resume, cancel) is recorded. */
function manual<T>() {
  const asked: string[] = [];
  let sink: FlowSink<T> | undefined;
  const f: Flow<T> = flow((s) => {
    sink = s;
    asked.push("subscribe");
    const control: FlowControl = {
      pause: () => void asked.push("pause"),
      resume: () => void asked.push("resume"),
      cancel: () => void asked.push("cancel"),
    };
    return control;
  });
  return { f, asked, sink: () => sink! };
}

async function* numbers(n: number, after?: () => void) {
  try {
    for (let i = 1; i <= n; i++) yield i;
  } finally {
    after?.();
  }
}

/** Everything a flow pushes, and how it ended. */
function collect<T>(f: Flow<T>): Promise<{ items: T[]; end: "end" | "fail"; error?: unknown }> {
  return new Promise((resolve) => {
    const items: T[] = [];
    f.subscribe({
      next: (x) => void items.push(x),
      end: () => resolve({ items, end: "end" }),
      fail: (error) => resolve({ items, end: "fail", error }),
    });
  });
}

describe("flow", () => {
  test("an iterable is pumped into a flow; a flow stays itself", async () => {
    const f = flowOf(numbers(3));
    expect(isFlow(f)).toBe(true);
    expect(flowOf(f)).toBe(f);
    expect(await collect(f)).toEqual({ items: [1, 2, 3], end: "end" });
  });

  test("a flow has one consumer", () => {
    const f = flowOf(numbers(1));
    f.subscribe({ next() {}, end() {}, fail() {} });
    expect(() => f.subscribe({ next() {}, end() {}, fail() {} })).toThrow("one consumer");
  });

  test("mapFlow: each item to zero or more, end may emit the last ones after waiting", async () => {
    const f = mapFlow<number, string>(numbers(4), {
      push(n, out) {
        if (n % 2 === 0) {
          out.next(`${n}a`);
          out.next(`${n}b`);
        }
      },
      async end(out) {
        await Bun.sleep(1);
        out.next("last");
      },
    });
    expect(await collect(f)).toEqual({ items: ["2a", "2b", "4a", "4b", "last"], end: "end" });
  });

  test("a mapper that throws fails the flow after what it emitted, and cancels the source", async () => {
    let released = false;
    const f = mapFlow<number, number>(
      numbers(10, () => (released = true)),
      {
        push(n, out) {
          if (n === 3) throw new Error("bad item");
          out.next(n);
        },
        end() {},
      },
    );
    const got = await collect(f);
    expect(got.items).toEqual([1, 2]);
    expect(got.end).toBe("fail");
    expect((got.error as Error).message).toBe("bad item");
    await Bun.sleep(1);
    expect(released).toBe(true);
  });

  test("a failing source reaches the consumer once, after the items before it", async () => {
    async function* broken() {
      yield 1;
      throw new Error("upstream broke");
    }
    const got = await collect(mapFlow<number, number>(broken(), { push: (n, out) => out.next(n * 10), end() {} }));
    expect(got).toMatchObject({ items: [10], end: "fail" });
  });

  test("pulled: items in order, a failure after the items before it", async () => {
    const m = manual<number>();
    const it = m.f[Symbol.asyncIterator]();
    const first = it.next();
    m.sink().next(1);
    m.sink().next(2);
    m.sink().fail(new Error("cut"));
    expect(await first).toEqual({ value: 1, done: false });
    expect(await it.next()).toEqual({ value: 2, done: false });
    await expect(it.next()).rejects.toThrow("cut");
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  test("pulled: demand-driven — paused while no next() waits, resumed by the next next()", async () => {
    const m = manual<number>();
    const it = m.f[Symbol.asyncIterator]();
    const first = it.next();
    expect(m.asked).toEqual(["subscribe"]);
    m.sink().next(1);
    expect(m.asked).toEqual(["subscribe", "pause"]);
    expect(await first).toEqual({ value: 1, done: false });
    const second = it.next();
    expect(m.asked).toEqual(["subscribe", "pause", "resume"]);
    m.sink().next(2);
    m.sink().end();
    expect(await second).toEqual({ value: 2, done: false });
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  test("a consumer that stops reading releases the source before its loop ends", async () => {
    let released = false;
    const f = mapFlow<number, number>(
      numbers(1000, () => (released = true)),
      { push: (n, out) => out.next(n), end() {} },
    );
    const seen: number[] = [];
    for await (const n of f) {
      seen.push(n);
      if (n === 2) break;
    }
    expect(seen).toEqual([1, 2]);
    expect(released).toBe(true);
  });

  test("pumped: pause stops reading the iterable until resume", async () => {
    let read = 0;
    async function* counted() {
      for (let i = 0; i < 100; i++) {
        read++;
        yield i;
      }
    }
    const items: number[] = [];
    let control!: FlowControl;
    control = flowOf(counted()).subscribe({
      next(n) {
        items.push(n);
        if (n === 4) control.pause();
      },
      end() {},
      fail() {},
    });
    await Bun.sleep(5);
    expect(items).toEqual([0, 1, 2, 3, 4]);
    expect(read).toBe(5);
    control.resume();
    await Bun.sleep(5);
    expect(items).toHaveLength(100);
  });
});
