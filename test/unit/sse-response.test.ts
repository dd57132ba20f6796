/** The gateway's SSE writer (src/http/sse.ts): frames, batches of frames, keep-alive and the end. */
import { describe, expect, test } from "bun:test";
import { encodeChunk, type SseChunk, type SseOpening, sseResponse } from "../../src/http/sse";

const options = (closed: string[] = []) => ({
  keepAliveMs: 50,
  errorEvent: (e: unknown) => ({ event: "error", data: { message: String(e) } }),
  onCancel: () => {},
  onClose: (outcome: string) => void closed.push(outcome),
});

/** Every chunk the client receives, as text, in order. */
async function chunks(r: Response): Promise<string[]> {
  const out: string[] = [];
  const dec = new TextDecoder();
  for await (const c of r.body!) out.push(dec.decode(c));
  return out;
}

describe("sseResponse", () => {
  test("a batch of frames leaves as one chunk; single frames one each; an empty batch writes nothing", async () => {
    async function* source(): AsyncGenerator<SseChunk> {
      yield { event: "response.created", data: { n: 1 } };
      yield [];
      yield [
        { event: "response.output_item.added", data: { n: 2 } },
        { event: "response.output_text.delta", data: { n: 3 } },
      ];
      yield { data: "[DONE]" };
    }
    const closed: string[] = [];
    const got = await chunks(sseResponse(source(), options(closed)));
    expect(got).toEqual([
      'event: response.created\ndata: {"n":1}\n\n',
      'event: response.output_item.added\ndata: {"n":2}\n\nevent: response.output_text.delta\ndata: {"n":3}\n\n',
      "data: [DONE]\n\n",
    ]);
    expect(closed).toEqual(["done"]);
  });

  test("served over HTTP, empty batches between frames do not stall the stream", async () => {
    async function* source(): AsyncGenerator<SseChunk> {
      for (let i = 0; i < 3; i++) {
        yield [];
        await Bun.sleep(1);
        yield [{ data: `f${i}` }];
      }
    }
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => sseResponse(source(), options()) });
    try {
      const r = await fetch(`http://127.0.0.1:${server.port}/`, { signal: AbortSignal.timeout(2000) });
      expect(await r.text()).toBe("data: f0\n\ndata: f1\n\ndata: f2\n\n");
    } finally {
      server.stop(true);
    }
  });

  test("silence past keepAliveMs gets a comment; a failure after the first byte is the final event", async () => {
    // The source stays silent until the client has read a keep-alive: no bet on timer precision.
    let heard!: () => void;
    const kept = new Promise<void>((resolve) => (heard = resolve));
    async function* source(): AsyncGenerator<SseChunk> {
      yield { data: "first" };
      await kept;
      throw new Error("upstream broke");
    }
    const closed: string[] = [];
    let got = "";
    const dec = new TextDecoder();
    for await (const c of sseResponse(source(), options(closed)).body!) {
      got += dec.decode(c);
      if (got.includes(": keep-alive")) heard();
    }
    expect(got.startsWith("data: first\n\n: keep-alive\n\n")).toBe(true);
    expect(got.endsWith('event: error\ndata: {"message":"Error: upstream broke"}\n\n')).toBe(true);
    expect(closed).toEqual(["error"]);
  });
});

describe("an opening encoded ahead", () => {
  test("goes out byte for byte as the same frames given as values would", async () => {
    const frames = [
      { event: "response.created", data: { type: "response.created", response: { id: "r", tools: [{ a: "é\n" }] } } },
      { data: "[DONE]" },
    ];
    async function* nothing(): AsyncGenerator<SseChunk> {}
    const text = async (opening: SseOpening) => (await chunks(sseResponse(nothing(), options(), { opening }))).join("");
    const ahead = encodeChunk(frames);
    expect(ahead).toBeInstanceOf(Uint8Array);
    expect(await text(ahead)).toBe(await text(frames));
    expect(await text(ahead)).toBe(
      'event: response.created\ndata: {"type":"response.created","response":{"id":"r","tools":[{"a":"é\\n"}]}}\n\ndata: [DONE]\n\n',
    );
  });
});
