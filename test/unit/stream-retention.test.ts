/**
 * An open stream must not keep its prompt alive: with 1,000 streams of ~100 KB prompts (a coding
 * agent's), that is ~100 MB held for nothing. On the real upstream path (signed-http.ts over
 * socket-http.ts) against a local server whose streams stay open, measured by the heap's own
 * account after a full collection. The gateway holds each stream's `cancel` for as long as the
 * stream lasts, and so does this test: a closure made inside an async function keeps all of that
 * function's locals, and `stream`'s cancel kept its JSON body (21 MB here before the fix).
 */

import { heapStats } from "bun:jsc";
import { afterAll, expect, test } from "bun:test";
import { unsignedHttp } from "../support/unsigned-http";

const STREAMS = 10;
const PROMPT_BYTES = 2 * 1024 * 1024;

/** Reads a request's body and lets it go (out of the handler's own scope, for the same reason). */
async function drain(req: Request): Promise<void> {
  await req.arrayBuffer();
}

/** An event stream that sends one event and stays open until the client leaves. */
function openStream(): Response {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new TextEncoder().encode('data: {"n":1}\n\n'));
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 0,
  async fetch(req) {
    await drain(req);
    return openStream();
  },
});
afterAll(() => server.stop(true));

/** A fresh ~2 MB JSON body, referenced by nothing here once handed over. */
const prompt = (i: number) => JSON.stringify({ i, text: "x".repeat(PROMPT_BYTES) });

const heapAfterGc = () => {
  Bun.gc(true);
  return heapStats().heapSize;
};

test("open streams do not hold their request bodies", async () => {
  const { sockets, signed } = unsignedHttp(10_000);
  const before = heapAfterGc();
  const streams = await Promise.all(
    Array.from({ length: STREAMS }, (_, i) =>
      signed.stream(`http://127.0.0.1:${server.port}/chat`, prompt(i), {
        requestId: `r${i}`,
        signal: new AbortController().signal,
      }),
    ),
  );
  const iterators = streams.map((s) => s.events[Symbol.asyncIterator]());
  for (const it of iterators) expect((await it.next()).value).toEqual({ n: 1 });
  const grown = heapAfterGc() - before;
  // Held, the bodies alone would be STREAMS × 2 MB; let go, the streams are a few KB each.
  expect(grown).toBeLessThan((STREAMS * PROMPT_BYTES) / 4);
  // Used after the measurement, as the gateway holds each stream's cancel while it lasts.
  for (const s of streams) s.cancel();
  for (const it of iterators) await it.return?.();
  sockets.closeIdle();
});
