/**
 * While a stream is open, nothing of its request may stay alive: not the body, not its
 * conversion. A coding agent sends ~100 KB prompts and streams every turn; with a thousand streams
 * open, each kept prompt is ~100 MB held for nothing. The families' stream builders were made
 * inside async functions, whose closures keep all of the function's locals (Anthropic's kept the
 * body and the converted request); measured here per family, in process, by the heap's own
 * account after a full collection, with streams that OCI keeps open. The requests go over a real
 * socket, written as raw bytes, so that no client-side object in this process holds a body.
 */

import { heapStats } from "bun:jsc";
import { afterAll, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { flow } from "../../src/lib/flow";
import { createMockTransport } from "../../src/mock/mock-transport";
import type { OciEventStream, OciTransport } from "../../src/oci/transport";
import { makeTestApp } from "../support/app";

const STREAMS = 8;
/**
 * 2 MB a prompt: kept, the streams hold 16 MB; in a whole test run this process's heap moves by
 * up to ~2 MB between two readings on its own (other suites' apps and timers), so the bound
 * below (a quarter of what kept prompts would hold) must stand well above that.
 */
const PROMPT_CHARS = 2 * 1024 * 1024;

/** OCI's stream: one event, then open until the gateway cancels it. */
function openStream(first: unknown): OciEventStream {
  let end: (() => void) | undefined;
  const events = flow<unknown>((sink) => {
    sink.next(first);
    end = () => sink.end();
    return { pause() {}, resume() {}, cancel: () => end?.() };
  });
  return { events, opcRequestId: "oci-open", cancel: () => end?.() };
}

const transport: OciTransport = {
  ...createMockTransport(),
  chatStream: async () =>
    openStream({ index: 0, message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "Hi" }] } }),
  agentChatStream: async () => openStream({ message: { role: "AGENT", content: { text: "Hi" } } }),
};

/** A fresh ~1 MB prompt, referenced by nothing here once sent. */
const prompt = (i: number) => `${i} ${"lorem ipsum ".repeat(PROMPT_CHARS / 12)}`;

const FAMILIES = {
  "chat completions": (i: number) => ({
    path: "/v1/chat/completions",
    json: { model: "llama", stream: true, messages: [{ role: "user", content: prompt(i) }] },
  }),
  "Anthropic messages": (i: number) => ({
    path: "/v1/messages",
    json: { model: "llama", stream: true, max_tokens: 64, messages: [{ role: "user", content: prompt(i) }] },
  }),
  "an agent, through chat completions": (i: number) => ({
    path: "/v1/chat/completions",
    json: { model: "my-agent", stream: true, user: `u${i}`, messages: [{ role: "user", content: prompt(i) }] },
  }),
  responses: (i: number) => ({
    path: "/v1/responses",
    json: { model: "llama", stream: true, store: false, input: prompt(i) },
  }),
};

const heapAfterGc = () => {
  Bun.gc(true);
  return heapStats().heapSize;
};

/**
 * The heap after full collections, the least of three a few milliseconds apart: in a whole test
 * run this process also holds other suites' apps, whose timers allocate now and then, and one
 * reading can catch ~2 MB of their garbage. What a stream keeps is there in every reading.
 */
async function settledHeap(): Promise<number> {
  let least = Number.POSITIVE_INFINITY;
  for (let k = 0; k < 3; k++) {
    least = Math.min(least, heapAfterGc());
    await Bun.sleep(5);
  }
  return least;
}

const { app } = makeTestApp({ transport });
app.listen({ hostname: "127.0.0.1", port: 0 });
const port = Number(app.server!.port);
afterAll(() => app.stop(true));

/** POSTs `json` over a raw socket; resolves once the answer's first bytes arrive, with the open socket. */
function post(path: string, json: unknown): Promise<Socket<Pending>> {
  const body = Buffer.from(JSON.stringify(json));
  const head = `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
  return connectWith(Buffer.concat([Buffer.from(head), body]));
}

interface Pending {
  pending?: Uint8Array;
}

/**
 * Sends `bytes` and drops them once the socket took them: they travel in the socket's data, not
 * in a closure (the handlers live as long as the socket).
 */
function connectWith(bytes: Uint8Array): Promise<Socket<Pending>> {
  const data: Pending = { pending: bytes };
  const write = (s: Socket<Pending>) => {
    const b = s.data.pending!;
    const n = s.write(b);
    s.data.pending = n < b.length ? b.subarray(Math.max(0, n)) : undefined;
  };
  return new Promise((resolve, reject) => {
    Bun.connect<Pending>({
      hostname: "127.0.0.1",
      port,
      data,
      socket: {
        open: write,
        drain(s) {
          if (s.data.pending) write(s);
        },
        data(s, d) {
          if (d.toString("latin1").startsWith("HTTP/1.1 200")) resolve(s);
          else reject(new Error(d.toString("latin1").slice(0, 200)));
        },
        error: (_s, e) => reject(e),
      },
    }).catch(reject);
  });
}

describe("an open stream does not hold its request", () => {
  for (const [family, request] of Object.entries(FAMILIES)) {
    test(family, async () => {
      const warm = request(-1);
      (await post(warm.path, warm.json)).end();
      const before = await settledHeap();
      const open: Socket<Pending>[] = [];
      for (let i = 0; i < STREAMS; i++) {
        const r = request(i);
        open.push(await post(r.path, r.json));
      }
      await Bun.sleep(20);
      const grown = (await settledHeap()) - before;
      // Held, each stream would keep its prompt at least once (STREAMS MB); let go, a few KB each.
      expect(grown).toBeLessThan((STREAMS * PROMPT_CHARS) / 4);
      for (const s of open) s.end();
    });
  }
});

/**
 * A Responses stream echoes its request's instructions (and tools) in its events: the response
 * object goes out in `response.created` and again at the end, so the stream keeps it once. Its
 * opening events — that object twice, encoded — leave with the first write and must not stay
 * for the stream's life as well (for a coding agent, tens of KB a stream).
 */
describe("an open Responses stream keeps its instructions once", () => {
  const INSTRUCTIONS_CHARS = 256 * 1024;
  test("not its opening events too", async () => {
    const request = (i: number) => ({
      model: "llama",
      stream: true,
      store: false,
      instructions: `${i} ${"be brief ".repeat(INSTRUCTIONS_CHARS / 9)}`,
      input: "hi",
    });
    (await post("/v1/responses", request(-1))).end();
    const before = await settledHeap();
    const open: Socket<Pending>[] = [];
    for (let i = 0; i < STREAMS; i++) open.push(await post("/v1/responses", request(i)));
    await Bun.sleep(20);
    const grown = (await settledHeap()) - before;
    // Kept once (the response object): ~STREAMS × 256 KB. With the opening kept too, three times that.
    expect(grown).toBeGreaterThan(STREAMS * INSTRUCTIONS_CHARS * 0.5);
    expect(grown).toBeLessThan(STREAMS * INSTRUCTIONS_CHARS * 2);
    for (const s of open) s.end();
  });
});
