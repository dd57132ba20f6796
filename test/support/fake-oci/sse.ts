/**
 * SSE answers that really go out over time, with disconnect tracking.
 *
 * Each frame is enqueued from `pull()` after its delay, so Bun writes it to the socket
 * before the next timer starts: a test can observe gaps and cancel mid-stream.
 */
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { HeaderMap, SseEnd, StreamRecord } from "./types";

/** Where the recorded OCI shapes live. */
export const FIXTURES_DIR = resolve(import.meta.dir, "../../fixtures/oci");
const PROJECT_ROOT = resolve(import.meta.dir, "../../..");

const encoder = new TextEncoder();

/** `data: <json>\n\n` for objects; strings pass through untouched (malformed/split frames). */
export function toFrame(event: string | object): string {
  return typeof event === "string" ? event : `data: ${JSON.stringify(event)}\n\n`;
}

/** A fixture name (in test/fixtures/oci), a project-relative path, or an absolute path. */
export function fixturePath(name: string): string {
  if (isAbsolute(name)) return name;
  const inFixtures = join(FIXTURES_DIR, name);
  return existsSync(inFixtures) ? inFixtures : resolve(PROJECT_ROOT, name);
}

/**
 * Events of a `*.chunks.txt` file: each line is one `data: ...` line and blank lines
 * separate events. Returned without the trailing blank line.
 */
export function readChunks(name: string): string[] {
  const text = readFileSync(fixturePath(name), "utf8");
  return text
    .split(/\r?\n[ \t]*\r?\n/)
    .map((group) => group.replace(/^(?:[ \t]*\r?\n)+|\s+$/g, ""))
    .filter((group) => group.length > 0);
}

/** The JSON payloads of a recorded stream, in order (`[DONE]` is the end marker, not an event); loosely typed for tests. */
export function readFixtureEvents(name: string): any[] {
  return readChunks(name)
    .map((e) => e.replace(/^data:\s?/, ""))
    .filter((d) => d !== "[DONE]")
    .map((d) => JSON.parse(d));
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((done) => {
    const finish = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", finish);
      done();
    };
    const timer = setTimeout(finish, ms);
    signal?.addEventListener("abort", finish, { once: true });
  });
}

export interface SseStreamOptions {
  frames: string[];
  gapMs: number;
  firstDelayMs: number;
  end: SseEnd;
  status: number;
  headers: HeaderMap;
  record: StreamRecord;
  /** The incoming request's signal: fires when the client disconnects. */
  requestSignal: AbortSignal;
  /** Fires when the fake stops: ends hanging streams without blaming the client. */
  stopSignal: AbortSignal;
}

export function sseResponse(o: SseStreamOptions): Response {
  const { record } = o;
  // Wakes pending sleeps/hangs once the stream is over for whatever reason.
  const over = new AbortController();
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;

  const clientGone = () => {
    if (record.closedAt === undefined) {
      record.clientAborted = true;
      record.closedAt = Date.now();
    }
    over.abort();
  };
  const fakeStopped = () => {
    if (record.closedAt === undefined) record.closedAt = Date.now();
    over.abort();
    try {
      controller?.close();
    } catch {
      // already closed or errored
    }
  };
  o.requestSignal.addEventListener("abort", clientGone, { once: true });
  o.stopSignal.addEventListener("abort", fakeStopped, { once: true });
  over.signal.addEventListener("abort", () => o.stopSignal.removeEventListener("abort", fakeStopped), { once: true });

  let next = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      async pull(c) {
        if (next < o.frames.length) {
          await sleep(next === 0 ? o.firstDelayMs : o.gapMs, over.signal);
          if (over.signal.aborted) return;
          try {
            c.enqueue(encoder.encode(o.frames[next]!));
            next++;
            record.eventsSent++;
          } catch {
            clientGone(); // the consumer side is gone: the write failed
          }
          return;
        }
        if (o.end === "hang") {
          await sleep(2 ** 31 - 1, over.signal);
          return;
        }
        if (o.end === "error") {
          // Give Bun time to flush the headers and frames already queued, so the client sees
          // a stream that starts fine and then breaks, not a failed request.
          await sleep(Math.max(o.gapMs, 50), over.signal);
          if (over.signal.aborted) return;
          record.closedAt = Date.now();
          over.abort();
          // Erroring with `undefined` makes Bun reset the connection without logging a stack.
          c.error(undefined);
          return;
        }
        if (record.closedAt === undefined) record.closedAt = Date.now();
        over.abort();
        c.close();
      },
      cancel() {
        clientGone();
      },
    },
    // Only produce a frame when the transport asks for one, so timing follows the wire.
    { highWaterMark: 0 },
  );

  return new Response(body, { status: o.status, headers: o.headers });
}
