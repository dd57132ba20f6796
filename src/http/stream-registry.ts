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

  add(stream: Terminable): void {
    this.open.add(stream);
  }

  remove(stream: Terminable): void {
    this.open.delete(stream);
  }

  get size(): number {
    return this.open.size;
  }

  /** Ends every open stream with a final error event carrying `reason`; answers how many. */
  terminateAll(reason: string): number {
    const all = [...this.open];
    this.open.clear();
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
