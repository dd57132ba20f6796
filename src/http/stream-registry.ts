/** An open stream that shutdown can end. */
export interface Terminable {
  /** Ends the stream with a final error event carrying `reason`. */
  terminate(reason: string): void;
}

/**
 * The SSE streams open right now. Shutdown ends them with a final event at the drain deadline,
 * and metrics count them.
 */
export class StreamRegistry {
  private readonly open = new Set<Terminable>();
  private rise: { step: number; listener: () => void } | undefined;
  /** The fewest streams open since the rise listener was last called. */
  private low = 0;

  add(stream: Terminable): void {
    this.open.add(stream);
    if (this.rise && this.open.size - this.low >= this.rise.step) {
      this.low = this.open.size;
      this.rise.listener();
    }
  }

  remove(stream: Terminable): void {
    this.open.delete(stream);
    if (this.open.size < this.low) this.low = this.open.size;
  }

  /**
   * Calls `listener` each time the open streams have risen by `step` over the fewest open since
   * it was last called: a surge of streams opening at once (server/memory-governor.ts).
   */
  onRise(step: number, listener: () => void): void {
    this.rise = { step, listener };
    this.low = this.open.size;
  }

  get size(): number {
    return this.open.size;
  }

  /** Ends every open stream with a final error event carrying `reason`; answers how many. */
  terminateAll(reason: string): number {
    const all = [...this.open];
    this.open.clear();
    this.low = 0;
    for (const t of all) {
      try {
        t.terminate(reason);
      } catch {
        // One broken stream must not keep the others open.
      }
    }
    return all.length;
  }
}
