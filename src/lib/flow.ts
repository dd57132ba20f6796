/**
 * Pushed streams: how an answer's events travel from OCI's socket to the client's
 * (docs/architecture.md#streams-are-pushed). Each stage is a synchronous function called with one
 * item, so an event crosses decode → core mapping → family frames → SSE bytes in one call chain,
 * with no promise or iterator object per stage; between two events a stream tapped at its
 * socket holds no pending promise at all. That matters at 1,000 open streams: per-event objects
 * that outlive a young-generation collection (a pending `next()` per layer did, a second at a
 * time) pile up in the old generation until a full collection, and that was the RSS peak.
 *
 * A `Flow` is also an `AsyncIterable`, for the consumers that pull (pools waiting for a first
 * event, agents, tests); any `AsyncIterable` becomes a Flow through `flowOf`, which pumps it.
 */

/** Where a flow delivers: items in order, then exactly one of `end` or `fail`. */
export interface FlowSink<T> {
  next(item: T): void;
  end(): void;
  fail(e: unknown): void;
}

/** The consumer's hold on a started flow: pace it (backpressure) or stop it. */
export interface FlowControl {
  pause(): void;
  resume(): void;
  /** Stops delivery for good and releases the source (aborts the upstream request); settles once released. */
  cancel(reason?: unknown): void | Promise<void>;
}

/** A stream with one consumer, pushed (`subscribe`) or pulled (`for await`). */
export interface Flow<T> extends AsyncIterable<T> {
  subscribe(sink: FlowSink<T>): FlowControl;
}

/** Where a mapper puts what it makes of an item. */
export interface FlowOut<B> {
  next(b: B): void;
}

/** Turns one item into zero or more (`out.next` each); `end` may put the last ones, and may wait. */
export interface FlowMapper<A, B> {
  push(item: A, out: FlowOut<B>): void;
  end(out: FlowOut<B>): void | Promise<void>;
}

export function isFlow<T>(x: AsyncIterable<T>): x is Flow<T> {
  return typeof (x as Partial<Flow<T>>).subscribe === "function";
}

/** A flow from its start function, called once, by the one consumer. */
export function flow<T>(start: (sink: FlowSink<T>) => FlowControl): Flow<T> {
  return new StartedOnce(start);
}

/** The same flow when it is one; otherwise the iterable pumped into a flow. */
export function flowOf<T>(src: AsyncIterable<T>): Flow<T> {
  return isFlow(src) ? src : flow((sink) => pumpIterable(src, sink));
}

/**
 * A web stream as a flow: read while not paused; `cancel` cancels the stream at once, a read in
 * flight included (an async iterator's `return` would wait for that read to settle).
 */
export function streamFlow<T>(body: ReadableStream<T>): Flow<T> {
  return flow((sink) => {
    const reader = body.getReader();
    return pump(
      () => reader.read(),
      (reason) => void reader.cancel(reason).catch(() => {}),
      sink,
    );
  });
}

/** Each item of `src` through the mapper; a mapper that throws fails the flow and cancels `src`. */
export function mapFlow<A, B>(src: AsyncIterable<A>, m: FlowMapper<A, B>): Flow<B> {
  return new Mapped(flowOf(src), m);
}

/**
 * One mapping stage: the upstream's sink and the downstream's control in one object, with its
 * methods on the prototype — at a thousand open streams, closures per stage and stream add up.
 * The mapper writes to the downstream sink directly; whatever a sink is handed after its
 * flow ended, it ignores.
 */
class Mapped<A, B> implements Flow<B>, FlowSink<A>, FlowControl {
  private down: FlowSink<B> | undefined;
  private up: FlowControl | undefined;
  private over = false;

  constructor(
    private readonly src: Flow<A>,
    private readonly m: FlowMapper<A, B>,
  ) {}

  subscribe(sink: FlowSink<B>): FlowControl {
    if (this.down) throw new Error("a flow has one consumer");
    this.down = sink;
    this.up = this.src.subscribe(this);
    return this;
  }

  [Symbol.asyncIterator](): AsyncIterator<B> {
    return new Pull(this);
  }

  next(a: A): void {
    if (this.over) return;
    try {
      this.m.push(a, this.down!);
    } catch (e) {
      this.broken(e);
    }
  }

  end(): void {
    if (this.over) return;
    let done: void | Promise<void>;
    try {
      done = this.m.end(this.down!);
    } catch (e) {
      this.broken(e);
      return;
    }
    if (done)
      done.then(
        () => this.finish(),
        (e) => this.broken(e),
      );
    else this.finish();
  }

  fail(e: unknown): void {
    if (this.over) return;
    this.over = true;
    this.down!.fail(e);
  }

  pause(): void {
    this.up?.pause();
  }

  resume(): void {
    this.up?.resume();
  }

  cancel(reason?: unknown): void | Promise<void> {
    this.over = true;
    return this.up?.cancel(reason);
  }

  private finish(): void {
    if (this.over) return;
    this.over = true;
    this.down!.end();
  }

  /** The mapper threw: the flow fails downstream and the source is released. */
  private broken(e: unknown): void {
    if (this.over) return;
    this.over = true;
    this.up?.cancel(e);
    this.down!.fail(e);
  }
}

/** A flow read with `next()` (what a Flow's `[Symbol.asyncIterator]` answers), for Flow classes. */
export function pullFrom<T>(f: Flow<T>): AsyncIterator<T> {
  return new Pull(f);
}

class StartedOnce<T> implements Flow<T> {
  private taken = false;
  constructor(private readonly start: (sink: FlowSink<T>) => FlowControl) {}

  subscribe(sink: FlowSink<T>): FlowControl {
    if (this.taken) throw new Error("a flow has one consumer");
    this.taken = true;
    return this.start(sink);
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return new Pull(this);
  }
}

/**
 * A flow read with `next()`: demand-driven, so the flow is paused except while a `next()` waits
 * (what arrives with the item it waited for waits in a queue). A consumer that stops reading
 * therefore has no read in flight below it, and `return()` releases the source at once.
 */
class Pull<T> implements AsyncIterator<T> {
  private queue: T[] = [];
  private head = 0;
  private ended = false;
  private failure: { e: unknown } | undefined;
  private waiter: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void } | undefined;
  private control: FlowControl | undefined;

  constructor(private readonly src: Flow<T>) {}

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head++]!;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.failure) {
      const { e } = this.failure;
      this.failure = undefined;
      this.ended = true;
      return Promise.reject(e);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    const waiting = new Promise<IteratorResult<T>>((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
    if (this.control) this.control.resume();
    else
      this.control = this.src.subscribe({
        next: (item) => this.arrive(item),
        end: () => this.finish(undefined),
        fail: (e) => this.finish({ e }),
      });
    return waiting;
  }

  async return(): Promise<IteratorResult<T>> {
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve({ value: undefined, done: true });
    if (!this.ended) {
      this.ended = true;
      this.queue = [];
      this.head = 0;
      await this.control?.cancel();
    }
    return { value: undefined, done: true };
  }

  private arrive(item: T): void {
    if (this.ended) return;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w.resolve({ value: item, done: false });
      this.control?.pause();
      return;
    }
    this.queue.push(item);
    this.control?.pause();
  }

  private finish(failure: { e: unknown } | undefined): void {
    if (this.ended) return;
    const w = this.waiter;
    if (!w) {
      if (failure) this.failure = failure;
      else this.ended = true;
      return;
    }
    this.waiter = undefined;
    this.ended = true;
    if (failure) w.reject(failure.e);
    else w.resolve({ value: undefined, done: true });
  }
}

/** Pulls an iterable and pushes what it yields, waiting while paused. */
function pumpIterable<T>(src: AsyncIterable<T>, sink: FlowSink<T>): FlowControl {
  const it = src[Symbol.asyncIterator]();
  return pump(
    () => it.next(),
    () => {
      // Paused consumers have no read in flight, so the iterable's own clean-up runs now.
      try {
        return Promise.resolve(it.return?.()).then(
          () => {},
          () => {},
        );
      } catch {
        return undefined;
      }
    },
    sink,
  );
}

/**
 * Reads with `read` and pushes each item, waiting while paused; `release` (once, on cancel) lets
 * the source go. Nothing is pushed after a cancel.
 */
function pump<T>(
  read: () => Promise<{ done?: boolean; value?: T }>,
  release: (reason?: unknown) => void | Promise<void>,
  sink: FlowSink<T>,
): FlowControl {
  let paused = false;
  let stopped = false;
  let wake: (() => void) | undefined;
  const go = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  (async () => {
    try {
      for (;;) {
        if (paused) await new Promise<void>((resolve) => (wake = resolve));
        if (stopped) return;
        const r = await read();
        if (stopped) return;
        if (r.done) return sink.end();
        sink.next(r.value as T);
      }
    } catch (e) {
      if (!stopped) sink.fail(e);
    }
  })();
  return {
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      go();
    },
    cancel(reason) {
      if (stopped) return;
      stopped = true;
      go();
      return release(reason);
    },
  };
}
