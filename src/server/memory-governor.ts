/**
 * Asks for a garbage collection when the process's resident memory has grown by `growthBytes`
 * since the smallest size seen after the last one. Most of what a stream's event leaves behind is
 * not in the collector's own cells but in memory those cells own (the bytes of strings and
 * buffers), which the runtime's schedule does not count: with a thousand open streams it sometimes
 * let that pile up for ten seconds and more, RSS climbing 2–3 MB a second over the memory the
 * streams really hold until a full collection came (docs/architecture.md#memory-under-many-streams).
 * A collection starts at most once per tick and never while memory is steady or shrinking, so an
 * idle process, or one whose garbage is collected young, pays a size read per tick.
 */
export class MemoryGovernor {
  /** The smallest size seen since the last collection this asked for. */
  private floor: number;
  /** Collections asked for, in all. */
  collections = 0;

  constructor(
    private readonly growthBytes: number,
    initial: number,
  ) {
    this.floor = initial;
  }

  /** One look at the size: true when a collection should start now. */
  tick(size: number): boolean {
    if (size < this.floor) {
      this.floor = size; // collected (by anyone): the new base to grow from
      return false;
    }
    if (size - this.floor < this.growthBytes) return false;
    // What survives this collection is live; growth is measured from there on the next ticks, so
    // memory that grows because it holds more (streams opening) is not collected again and again.
    this.floor = size;
    this.collections++;
    return true;
  }
}

/** Watches this process's RSS every `everyMs`; the timer does not keep the process alive. */
export function governMemory(everyMs: number, growthBytes: number): { governor: MemoryGovernor; stop(): void } {
  const governor = new MemoryGovernor(growthBytes, process.memoryUsage.rss());
  const timer = setInterval(() => {
    if (governor.tick(process.memoryUsage.rss())) Bun.gc(false);
  }, everyMs);
  timer.unref();
  return { governor, stop: () => clearInterval(timer) };
}
