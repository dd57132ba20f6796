import { type FlowControl, type FlowSink, flowOf } from "../lib/flow";
import type { StreamRegistry, Terminable } from "./stream-registry";

/** One server-sent event: an optional `event:` name and its data (JSON, or a string sent as is). */
export interface SseFrame {
  event?: string;
  data: unknown;
}

/**
 * What a family's stream yields: one frame, or frames made together (a Responses text delta
 * comes with its `output_item.added` and `content_part.added`), written as one chunk so they
 * leave in one write instead of one pull cycle each.
 */
export type SseChunk = SseFrame | readonly SseFrame[];

/** A stream's opening (`SseHead.opening`): frames, or their bytes when encoded ahead. */
export type SseOpening = SseChunk | Uint8Array;

/**
 * The one SSE framing helper. The source's chunks are pushed through and the source is paused
 * while the client is behind, so a slow reader slows the upstream instead of growing a buffer;
 * while the source is silent it writes keep-alive comments (or the family's own ping) so proxies
 * and idle timers do not cut a quiet stream. An error after the first byte cannot change the
 * status any more, so it is sent as a final event in the family's shape and the stream closes.
 */
export interface SseOptions {
  keepAliveMs: number;
  /** The terminal error event (in the route family's shape). */
  errorEvent(e: unknown): SseFrame;
  /** What to send on silence; default `: keep-alive`. */
  keepAlive?: SseFrame;
  /** Called once when the stream ends for any reason (completed, failed, or client gone). */
  onClose?(outcome: "done" | "error" | "cancelled", error?: unknown): void;
  /** Client went away: abort upstream work. */
  onCancel(): void;
  /** Shutdown's hook: the registry may end this stream early with a final error event. */
  registry?: StreamRegistry;
  /** The event a terminated stream ends with (e.g. the server is shutting down). */
  terminatedEvent?(reason: string): SseFrame;
}

const encoder = new TextEncoder();
const KEEP_ALIVE = encoder.encode(": keep-alive\n\n");
const NOTHING = new Uint8Array(0);

function frameText(f: SseFrame): string {
  const data = typeof f.data === "string" ? f.data : JSON.stringify(f.data);
  return f.event ? `event: ${f.event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}

export function encodeFrame(f: SseFrame): Uint8Array {
  return encoder.encode(frameText(f));
}

/** A chunk's bytes as they go out; a caller about to wait may make them ahead (a stream's opening). */
export function encodeChunk(c: SseChunk): Uint8Array {
  return "data" in c ? encodeFrame(c) : encoder.encode(c.map(frameText).join(""));
}

/** What an SSE answer starts with and does not keep: `options` last as long as the stream. */
export interface SseHead {
  headers?: Record<string, string>;
  /**
   * Frames that open the stream without waiting for the source (a chat's role chunk, a
   * response's `response.created`). They go out in the same write as the source's first frame,
   * one write and one pull cycle fewer before the first token (~0.1 ms); alone only if the stream
   * ends, fails or falls silent first. Given as bytes when the family encoded them ahead.
   */
  opening?: SseOpening;
}

export function sseResponse(source: AsyncIterable<SseChunk>, o: SseOptions, head: SseHead = {}): Response {
  const body = new ReadableStream<Uint8Array>(new SseStream(source, o, head.opening), { highWaterMark: 1 });
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      ...head.headers,
    },
  });
}

/**
 * One SSE answer: its body's underlying source, the sink its frames are pushed into (lib/flow.ts)
 * and what shutdown may terminate, in one object — methods, not closures, at a thousand streams.
 * Each chunk is written in the call that delivers it; the source is paused while the client has
 * not taken the last one, so a slow reader slows the upstream instead of growing a buffer.
 */
class SseStream implements UnderlyingDefaultSource<Uint8Array>, FlowSink<SseChunk>, Terminable {
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private control: FlowControl | undefined;
  private readonly keepAlive: Uint8Array;
  /** The opening frames, until they have gone out (with the first frame of the answer). */
  private opening: Uint8Array | undefined;
  private closed = false;
  // One timer per stream, pushed back by every write (not one per event: that was a timer and a
  // promise race per event, most of a stream's garbage).
  private silence: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly source: AsyncIterable<SseChunk>,
    private readonly o: SseOptions,
    opening: SseOpening | undefined,
  ) {
    this.keepAlive = o.keepAlive ? encodeFrame(o.keepAlive) : KEEP_ALIVE;
    this.opening = opening instanceof Uint8Array || opening === undefined ? opening : encodeChunk(opening);
  }

  // The body's underlying source.
  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.controller = controller;
    this.silence = setTimeout(onSilence, this.o.keepAliveMs, this);
    this.o.registry?.add(this);
    this.control = flowOf(this.source).subscribe(this);
  }

  pull(): void {
    this.control?.resume();
  }

  cancel(): void {
    if (this.closed) return;
    this.close("cancelled");
    this.stopUpstream();
  }

  // The sink of the family's frames.
  next(c: SseChunk): void {
    if (this.closed || (Array.isArray(c) && c.length === 0)) return;
    this.controller.enqueue(this.opened(encodeChunk(c)));
    this.silence?.refresh();
    if ((this.controller.desiredSize ?? 1) <= 0) this.control?.pause();
  }

  end(): void {
    if (this.closed) return;
    if (this.opening) this.controller.enqueue(this.opened(NOTHING));
    this.controller.close();
    this.close("done");
  }

  fail(e: unknown): void {
    if (this.closed) return;
    this.finalFrame(this.o.errorEvent(e));
    this.close("error", e);
  }

  /** Shutdown ends the stream early with a final event. */
  terminate(reason: string): void {
    if (this.closed) return;
    this.finalFrame(this.o.terminatedEvent?.(reason) ?? this.o.errorEvent(new Error(reason)));
    this.close("error", new Error(reason));
    this.stopUpstream();
  }

  /** The source is silent: a keep-alive, only while the reader waits (one behind has bytes to read). */
  quiet(): void {
    if (this.closed) return;
    if ((this.controller.desiredSize ?? 0) > 0)
      this.controller.enqueue(this.opening ? this.opened(NOTHING) : this.keepAlive);
    this.silence?.refresh();
  }

  /** `bytes` preceded by the opening frames while they have not gone out yet. */
  private opened(bytes: Uint8Array): Uint8Array {
    const opening = this.opening;
    if (!opening) return bytes;
    this.opening = undefined;
    return bytes.byteLength === 0 ? opening : Buffer.concat([opening, bytes]);
  }

  private finalFrame(f: SseFrame): void {
    try {
      this.controller.enqueue(this.opened(encodeFrame(f)));
      this.controller.close();
    } catch {
      // The client is already gone; nothing left to tell it.
    }
  }

  private close(outcome: "done" | "error" | "cancelled", error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.silence);
    this.o.registry?.remove(this);
    this.o.onClose?.(outcome, error);
  }

  private stopUpstream(): void {
    try {
      this.o.onCancel();
      this.control?.cancel();
    } catch {
      // Aborting upstream is best effort; a failing cancel path must never take the process down.
    }
  }
}

function onSilence(s: SseStream): void {
  s.quiet();
}
