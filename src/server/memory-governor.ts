/**
 * When to ask for a garbage collection the runtime has not started by itself: streams opening in
 * a surge (`collectSoon`, below), and the process's resident memory having climbed steadily — by
 * at least `stepBytes` at each of the last `ticks` looks — to `growthBytes` over the smallest size
 * seen since the last collection asked.
 *
 * Why: most of what a stream's event leaves behind is not in the collector's own cells but in
 * memory those cells own (the bytes of strings and buffers), which the runtime's schedule does not
 * count. With a thousand open streams it sometimes let that pile up for ten seconds and more, RSS
 * climbing 2–3 MB a second over the memory the streams really hold, until a full collection came
 * (docs/architecture.md#memory-under-many-streams). Why a steady climb and not growth alone: a full
 * collection stops a one-core process for ~10 ms, and under a request load RSS swings a few MB up
 * and down by itself as the heap grows and is collected; collecting on every such swing put 10-ms
 * outliers in the latency's 99th percentile (BENCHMARKS.md). An idle process, or one whose garbage
 * is collected young, pays a size read per look.
 */
/** When to ask: RSS rose by `stepBytes` at each of `ticks` looks and stands `growthBytes` over the floor. */
export interface GcWhen {
  growthBytes: number;
  stepBytes: number;
  ticks: number;
}

export class MemoryGovernor {
  /** The smallest size seen since the last collection this asked for. */
  private floor: number;
  private last: number;
  /** Looks in a row at which memory rose by `stepBytes` or more. */
  private climbing = 0;
  /** Collections asked for, in all. */
  collections = 0;

  constructor(
    private readonly o: GcWhen,
    initial: number,
  ) {
    this.floor = initial;
    this.last = initial;
  }

  /** One look at the size: true when a collection should start now. */
  tick(size: number): boolean {
    this.climbing = size - this.last >= this.o.stepBytes ? this.climbing + 1 : 0;
    this.last = size;
    if (size < this.floor) this.floor = size; // collected (by anyone): the new base to grow from
    if (this.climbing < this.o.ticks || size - this.floor < this.o.growthBytes) return false;
    // What survives this collection is live; growth is measured from there on the next looks, so
    // memory that grows because it holds more (streams opening) is not collected again and again.
    this.floor = size;
    this.climbing = 0;
    this.collections++;
    return true;
  }
}

/**
 * Looks at this process's RSS every `everyMs` (`asked` is told each time it asks for a
 * collection); the timer does not keep the process alive.
 */
export function governMemory(
  everyMs: number,
  o: GcWhen,
  asked?: () => void,
): { governor: MemoryGovernor; stop(): void } {
  const governor = new MemoryGovernor(o, process.memoryUsage.rss());
  const timer = setInterval(() => {
    if (!governor.tick(process.memoryUsage.rss())) return;
    asked?.();
    Bun.gc(false);
  }, everyMs);
  timer.unref();
  return { governor, stop: () => clearInterval(timer) };
}

let collecting = false;

/**
 * A full collection in the next turn of the event loop (one, however often asked meanwhile;
 * `collected` is told when it ran), for a surge of streams opening (serve.ts). Why: each opening
 * leaves tens of KB of garbage (the request's body, its parse and translation, the upstream
 * exchange's buffers), and an open stream completes no request, which is when Bun schedules its
 * own collections. A thousand streams opened at once left ~10 MB of it for seconds on an instance
 * that had served traffic before, its RSS peak at 120 MB; collected after every 250, the peak
 * stayed near what the streams hold (docs/architecture.md#memory-under-many-streams).
 * Synchronous, so the allocator gives back what was freed at once: ~10 ms with a thousand streams
 * open, a few times during a surge.
 */
export function collectSoon(collected?: () => void): void {
  if (collecting) return;
  collecting = true;
  setImmediate(() => {
    collecting = false;
    Bun.gc(true);
    collected?.();
  });
}
