/**
 * Lean mock of OCI Generative AI inference for benchmarks: answers every POST with a fixed
 * GENERIC chat result (OCI-WIRE.md §2.3) or a GENERIC event stream (§3.2, ending `data: [DONE]`),
 * after a fixed latency. It verifies nothing (no signature, no body parsing; in mode `sse: "auto"`
 * it only looks for the stream flag), so that it is never the bottleneck. The mode is switched between measurements through `POST /__bench/mode`.
 *
 *   bun bench/mock-oci.ts [--port 0]      → prints "mock-oci listening on http://127.0.0.1:PORT"
 */
import { expectedText, tokenText } from "./lib/bodies";

export interface MockMode {
  /** Delay before the answer (headers and first event). */
  latencyMs: number;
  /** Answer with an SSE stream instead of JSON; "auto": when the OCI request asks for one (`"isStream":true`). */
  sse: boolean | "auto";
  /** Text events per stream (after the initial empty one). */
  events: number;
  /** Gap between text events. */
  gapMs: number;
}

let mode: MockMode = { latencyMs: 0, sse: false, events: 20, gapMs: 10 };
let openStreams = 0;
let maxOpenStreams = 0;

const JSON_ANSWER = JSON.stringify({
  modelId: "meta.llama-3.3-70b-instruct",
  modelVersion: "1.0.0",
  chatResponse: {
    apiFormat: "GENERIC",
    timeCreated: "2026-11-26T00:00:00.000Z",
    choices: [
      {
        index: 0,
        message: { role: "ASSISTANT", content: [{ type: "TEXT", text: expectedText(20) }], toolCalls: [] },
        finishReason: "stop",
        logprobs: {},
      },
    ],
    usage: { completionTokens: 20, promptTokens: 43, totalTokens: 63 },
  },
});
const JSON_HEADERS = { "content-type": "application/json", "opc-request-id": "bench-mock" };
const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  "opc-request-id": "bench-mock",
};

const enc = new TextEncoder();
const pad = (i: number) => "a".repeat(1 + ((i * 7) % 13));
const frame = (o: unknown) => enc.encode(`data: ${JSON.stringify(o)}\n\n`);
const textEvent = (i: number, text: string) =>
  frame({ index: 0, message: { role: "ASSISTANT", content: [{ type: "TEXT", text }] }, pad: pad(i) });

function sseBody(m: MockMode, signal: AbortSignal): ReadableStream<Uint8Array> {
  return new ReadableStream({
    type: "direct",
    async pull(ctrl: { write(chunk: Uint8Array): void; flush(): unknown; close(): void }) {
      openStreams++;
      maxOpenStreams = Math.max(maxOpenStreams, openStreams);
      try {
        // OCI opens with an empty delta; the first text follows at once, later ones every gapMs.
        ctrl.write(textEvent(0, ""));
        ctrl.write(textEvent(1, tokenText(0)));
        await ctrl.flush();
        for (let i = 1; i < m.events; i++) {
          await Bun.sleep(m.gapMs);
          if (signal.aborted) return;
          ctrl.write(textEvent(i + 1, tokenText(i)));
          await ctrl.flush();
        }
        ctrl.write(
          frame({
            message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "" }] },
            finishReason: "stop",
            pad: pad(1),
          }),
        );
        ctrl.write(
          frame({ usage: { completionTokens: m.events, promptTokens: 43, totalTokens: 43 + m.events }, pad: pad(2) }),
        );
        ctrl.write(enc.encode("data: [DONE]\n\n"));
        await ctrl.flush();
        ctrl.close();
      } catch {
        // The reader went away; nothing to clean up beyond the counter.
      } finally {
        openStreams--;
      }
    },
  } as unknown as UnderlyingDefaultSource<Uint8Array>);
}

const portArg = process.argv.indexOf("--port");
const CHAT_PATH = "/20231130/actions/chat";
/**
 * With no latency and never a stream, the chat answer is a native static route: Bun answers it with
 * no JavaScript per request, so the mock costs the machine as little as it can (the workers phase
 * shares the 2 cores between the gateway, the mock and wrk; a JS handler cost ~60 µs a request).
 * Any other mode, and every other path, goes through the handler below.
 */
const routesFor = (m: MockMode): Record<string, { POST: Response }> =>
  m.latencyMs === 0 && m.sse === false
    ? { [CHAT_PATH]: { POST: new Response(JSON_ANSWER, { headers: JSON_HEADERS }) } }
    : {};
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: portArg > 0 ? Number(process.argv[portArg + 1]) : 0,
  idleTimeout: 0,
  routes: routesFor(mode),
  fetch: handle,
});

async function handle(req: Request): Promise<Response> {
  const path = req.url.slice(req.url.indexOf("/", 8));
  if (path.startsWith("/__bench/")) {
    if (path === "/__bench/mode" && req.method === "POST") {
      mode = { ...mode, ...((await req.json()) as Partial<MockMode>) };
      maxOpenStreams = openStreams;
      server.reload({ routes: routesFor(mode), fetch: handle });
      return Response.json(mode);
    }
    return Response.json({ mode, openStreams, maxOpenStreams });
  }
  const m = mode;
  // "auto" reads the body for the one flag that says stream (a mixed load: bench/soak.ts).
  const body = req.method === "POST" ? await req.text() : "";
  const sse = m.sse === "auto" ? body.includes('"isStream":true') : m.sse;
  if (m.latencyMs > 0) await Bun.sleep(m.latencyMs);
  if (!sse) return new Response(JSON_ANSWER, { headers: JSON_HEADERS });
  return new Response(sseBody(m, req.signal), { headers: SSE_HEADERS });
}
console.log(`mock-oci listening on http://127.0.0.1:${server.port}`);
