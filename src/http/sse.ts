import { type FlowControl, flowOf } from "../lib/flow";
import type { StreamRegistry } from "./stream-registry";

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

/**
 * The one SSE framing helper. The source's chunks are pushed through and the source is paused
 * while the client is behind, so a slow reader slows the upstream instead of growing a buffer;
 * while the source is silent it writes keep-alive comments (or the family's own ping) so proxies
 * and idle timers do not cut a quiet stream. An error after the first byte cannot change the
 * status any more, so it is sent as a final event in the family's shape and the stream closes.
 */
export interface SseOptions {
  keepAliveMs: number;
  headers?: Record<string, string>;
  /** The terminal error event (in the route family's shape). */
  errorEvent(e: unknown): SseFrame;
  /** What to send on silence; default `: keep-alive`. */
  keepAlive?: SseFrame;
  /**
   * Frames that open the stream without waiting for the source (a chat's role chunk, a
   * response's `response.created`). They go out in the same write as the source's first frame,
   * one write and one pull cycle fewer before the first token (~0.1 ms); alone only if the stream
   * ends, fails or falls silent first.
   */
  opening?: SseChunk;
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

function encodeChunk(c: SseChunk): Uint8Array {
  return "data" in c ? encodeFrame(c) : encoder.encode(c.map(frameText).join(""));
}

export function sseResponse(source: AsyncIterable<SseChunk>, o: SseOptions): Response {
  const keepAlive = o.keepAlive ? encodeFrame(o.keepAlive) : KEEP_ALIVE;
  let opening = o.opening ? encodeChunk(o.opening) : undefined;
  /** `bytes` preceded by the opening frames while they have not gone out yet. */
  const opened = (bytes: Uint8Array): Uint8Array => {
    if (!opening) return bytes;
    const out = bytes.byteLength === 0 ? opening : Buffer.concat([opening, bytes]);
    opening = undefined;
    return out;
  };
  let closed = false;
  let unregister: (() => void) | undefined;
  let control: FlowControl | undefined;
  // One timer per stream, pushed back by every write (not one per event: that was a timer and a
  // promise race per event, most of a stream's garbage).
  let silence: ReturnType<typeof setTimeout> | undefined;
  const close = (outcome: "done" | "error" | "cancelled", error?: unknown) => {
    if (closed) return;
    closed = true;
    clearTimeout(silence);
    unregister?.();
    o.onClose?.(outcome, error);
  };
  const stopUpstream = () => {
    try {
      o.onCancel();
      control?.cancel();
    } catch {
      // Aborting upstream is best effort; a failing cancel path must never take the process down.
    }
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        silence = setTimeout(function quiet() {
          if (closed) return;
          // Only while the reader is waiting: a reader that is behind has bytes to read already.
          if ((controller.desiredSize ?? 0) > 0) controller.enqueue(opening ? opened(NOTHING) : keepAlive);
          silence?.refresh();
        }, o.keepAliveMs);
        unregister = o.registry?.add((reason) => {
          if (closed) return;
          try {
            controller.enqueue(opened(encodeFrame(o.terminatedEvent?.(reason) ?? o.errorEvent(new Error(reason)))));
            controller.close();
          } catch {
            // Already gone.
          }
          close("error", new Error(reason));
          stopUpstream();
        });
        // Pushed (lib/flow.ts): each chunk is written in the call that delivers it; the source
        // is paused while the client has not taken the last one, so a slow reader slows the
        // upstream instead of growing a buffer.
        control = flowOf(source).subscribe({
          next(c) {
            if (closed || (Array.isArray(c) && c.length === 0)) return;
            controller.enqueue(opened(encodeChunk(c)));
            silence?.refresh();
            if ((controller.desiredSize ?? 1) <= 0) control?.pause();
          },
          end() {
            if (closed) return;
            if (opening) controller.enqueue(opened(NOTHING));
            controller.close();
            close("done");
          },
          fail(e) {
            if (closed) return;
            try {
              controller.enqueue(opened(encodeFrame(o.errorEvent(e))));
              controller.close();
            } catch {
              // The client is already gone; nothing left to tell it.
            }
            close("error", e);
          },
        });
      },
      pull() {
        control?.resume();
      },
      cancel() {
        if (closed) return;
        close("cancelled");
        stopUpstream();
      },
    },
    { highWaterMark: 1 },
  );
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      ...o.headers,
    },
  });
}
