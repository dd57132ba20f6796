/**
 * Byte buffers lent out and taken back, so that memory written on every request stays the same
 * memory: resident and warm, not freed to the collector and the allocator after each use and
 * faulted in afresh by the next one (docs/architecture.md, "Request bodies to OCI").
 *
 * A borrower may hand back a different, larger buffer than it took (one it grew into). The pool
 * keeps at most `maxIdle` buffers, the largest first, each at most `maxBytes`: a rare huge body
 * is left to the collector instead of being held for good.
 */
export class BufferPool {
  private readonly idle: Buffer[] = [];

  constructor(
    private readonly o: {
      /** Size of a new buffer. */
      initialBytes: number;
      /** Larger buffers are not kept. */
      maxBytes: number;
      /** Buffers kept at most while nobody uses them. */
      maxIdle: number;
    },
  ) {}

  /** The most recently returned buffer (its pages the most likely still in cache), or a new one. */
  take(): Buffer {
    return this.idle.pop() ?? Buffer.allocUnsafeSlow(this.o.initialBytes);
  }

  give(b: Buffer): void {
    if (b.length > this.o.maxBytes) return;
    const idle = this.idle;
    if (idle.length < this.o.maxIdle) {
      idle.push(b);
      return;
    }
    // Full: the smallest buffer makes room for a larger one, so sizes a workload needs stay.
    let smallest = 0;
    for (let i = 1; i < idle.length; i++) if (idle[i]!.length < idle[smallest]!.length) smallest = i;
    if (idle[smallest]!.length < b.length) idle[smallest] = b;
  }

  /** Buffers waiting to be lent (for tests and metrics). */
  idleCount(): number {
    return this.idle.length;
  }
}
