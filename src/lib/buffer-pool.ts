/**
 * Byte buffers lent out and taken back, so that memory written on every request stays the same
 * memory: resident and warm, not freed to the collector and the allocator after each use and
 * faulted in afresh by the next one (docs/architecture.md, "Request bodies to OCI").
 *
 * At most `size` buffers exist, lent or waiting: a burst beyond that (a thousand streams opening
 * at once) gets none and makes its bytes the plain way, so the pool never holds more than a
 * steady load uses. A borrower may hand back a larger buffer than it took (one it grew into); one
 * over `maxBytes`, or one that would take the waiting buffers past `maxIdleBytes` together, is
 * left to the collector instead of being held for good.
 */
export class BufferPool {
  private readonly idle: Buffer[] = [];
  private lent = 0;
  private idleBytes = 0;

  constructor(
    private readonly o: {
      /** Size of a new buffer. */
      initialBytes: number;
      /** Larger buffers are not kept. */
      maxBytes: number;
      /** The waiting buffers together never hold more (default: no bound but `size` × `maxBytes`). */
      maxIdleBytes?: number;
      /** Buffers in all, lent or waiting. */
      size: number;
    },
  ) {}

  /**
   * The most recently returned buffer (its pages the most likely still in cache), a new one while
   * the pool has fewer than `size`, else undefined.
   */
  take(): Buffer | undefined {
    const waiting = this.idle.pop();
    if (waiting) this.idleBytes -= waiting.length;
    const b = waiting ?? (this.lent < this.o.size ? Buffer.allocUnsafeSlow(this.o.initialBytes) : undefined);
    if (b) this.lent++;
    return b;
  }

  /** Gives back a buffer `take` lent (or the larger one its borrower grew into). */
  give(b: Buffer): void {
    this.lent--;
    if (b.length > this.o.maxBytes || this.idleBytes + b.length > (this.o.maxIdleBytes ?? Number.POSITIVE_INFINITY))
      return;
    this.idle.push(b);
    this.idleBytes += b.length;
  }

  /** Buffers waiting to be lent, and lent now (for tests). */
  counts(): { idle: number; lent: number; idleBytes: number } {
    return { idle: this.idle.length, lent: this.lent, idleBytes: this.idleBytes };
  }
}
