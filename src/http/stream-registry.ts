/**
 * The SSE streams open right now. Shutdown ends them with a final event at the drain deadline,
 * and metrics count them.
 */
export class StreamRegistry {
  private readonly open = new Set<(reason: string) => void>();

  /** Registers a stream's terminator; the returned function unregisters it. */
  add(terminate: (reason: string) => void): () => void {
    this.open.add(terminate);
    return () => this.open.delete(terminate);
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
        t(reason);
      } catch {
        // One broken stream must not keep the others open.
      }
    }
    return all.length;
  }
}
