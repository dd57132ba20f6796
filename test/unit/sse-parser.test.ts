/** OCI SSE framing → JSON payloads (OCI-WIRE §3.1–§3.3; src/oci/sse.ts SseJsonDecoder). */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { UpstreamError } from "../../src/errors/upstream-error";
import { MAX_EVENT_BYTES, SseJsonDecoder } from "../../src/oci/sse";
import { readChunks } from "../support/fake-oci";

const FIXTURES = join(import.meta.dir, "..", "fixtures", "oci");
const enc = new TextEncoder();
/** A recorded stream as OCI sends it: every event of the file framed `<event>\n\n` (as the fake server does). */
const fixtureText = (name: string) =>
  readChunks(join(FIXTURES, name))
    .map((e) => `${e}\n\n`)
    .join("");

/** The payloads a fixture holds (`data:` lines up to `[DONE]`), parsed independently of the code under test. */
function expectedEvents(text: string): unknown[] {
  const out: unknown[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith("data:")) continue;
    const d = line.slice(5).trim();
    if (d === "[DONE]") break;
    out.push(JSON.parse(d));
  }
  return out;
}

/** Reads parts as the transport does: one at a time until the decoder is finished; raises its failure. */
function* parseSseJson(parts: Uint8Array[], pulled?: { n: number }): Generator<unknown> {
  const decoder = new SseJsonDecoder();
  for (const p of parts) {
    if (decoder.finished) break;
    if (pulled) pulled.n++;
    yield* decoder.push(p);
    if (decoder.failure) throw decoder.failure;
  }
}
async function collect(parts: Uint8Array[]): Promise<unknown[]> {
  return [...parseSseJson(parts)];
}
/** Every way of cutting `bytes` into two pieces. */
function* twoWaySplits(bytes: Uint8Array): Generator<Uint8Array[]> {
  for (let i = 1; i < bytes.length; i++) yield [bytes.subarray(0, i), bytes.subarray(i)];
}
async function failure(parts: Uint8Array[]): Promise<{ err: unknown; got: unknown[] }> {
  const got: unknown[] = [];
  try {
    for (const ev of parseSseJson(parts)) got.push(ev);
  } catch (err) {
    return { err, got };
  }
  throw new Error("expected the stream to fail");
}

describe("parseSseJson on recorded streams", () => {
  for (const name of [
    "generic-text.chunks.txt",
    "generic-tool-call.chunks.txt",
    "generic-parallel-tools.chunks.txt",
    "cohere-text.chunks.txt",
    "cohere-tool-call.chunks.txt",
  ]) {
    test(`${name}: every event, in order, pad and all`, async () => {
      const text = fixtureText(name);
      const expected = expectedEvents(text);
      expect(expected.length).toBeGreaterThan(2);
      const got = await collect([enc.encode(text)]);
      expect(got).toEqual(expected);
      for (const ev of got) expect(typeof (ev as { pad?: unknown }).pad).toBe("string");
    });
  }

  test("split into two chunks at every byte boundary gives the same events", async () => {
    const text = fixtureText("generic-tool-call.chunks.txt");
    const bytes = enc.encode(text);
    const expected = expectedEvents(text);
    for (const parts of twoWaySplits(bytes)) {
      const got = await collect(parts);
      if (got.length !== expected.length) throw new Error(`split at ${parts[0]!.length}: ${got.length} events`);
      expect(got).toEqual(expected);
    }
  });

  test("one byte per chunk gives the same events", async () => {
    const text = fixtureText("generic-text.chunks.txt");
    const bytes = enc.encode(text);
    const parts = Array.from(bytes, (_b, i) => bytes.subarray(i, i + 1));
    expect(await collect(parts)).toEqual(expectedEvents(text));
  });

  test("CRLF framing", async () => {
    const text = fixtureText("generic-text.chunks.txt");
    const crlf = text.replace(/\r?\n/g, "\r\n");
    expect(crlf).toContain("\r\n\r\n");
    expect(await collect([enc.encode(crlf)])).toEqual(expectedEvents(text));
  });

  test("CRLF framing split at every byte boundary (a split between \\r and \\n included)", async () => {
    const text = fixtureText("generic-parallel-tools.chunks.txt").replace(/\r?\n/g, "\r\n");
    const expected = expectedEvents(text);
    for (const parts of twoWaySplits(enc.encode(text))) expect(await collect(parts)).toEqual(expected);
  });
});

describe("parseSseJson framing details", () => {
  test("multi-byte UTF-8 split at every byte boundary", async () => {
    const payload = { index: 0, message: { content: [{ type: "TEXT", text: "Olá, ação 🐧 ü" }] }, pad: "aaa" };
    const bytes = enc.encode(`data: ${JSON.stringify(payload)}\n\n`);
    for (const parts of twoWaySplits(bytes)) expect(await collect(parts)).toEqual([payload]);
  });

  test("comments (keep-alive) and event/id fields are ignored", async () => {
    const text = ': keep-alive\n\nevent: message\nid: 7\ndata: {"a":1}\n\n:another comment\ndata: {"b":2}\n\n';
    expect(await collect([enc.encode(text)])).toEqual([{ a: 1 }, { b: 2 }]);
  });

  test("'data:' without a space and multi-line data", async () => {
    const text = 'data:{"a":1}\n\ndata: {"b":\ndata: 2}\n\n';
    expect(await collect([enc.encode(text)])).toEqual([{ a: 1 }, { b: 2 }]);
  });

  test("a byte-order mark opening the stream is skipped, split or not; later ones are data", async () => {
    const bytes = enc.encode('\uFEFFdata: {"a":1}\n\ndata: {"b":"\uFEFF"}\n\n');
    expect(await collect([bytes])).toEqual([{ a: 1 }, { b: "\uFEFF" }]);
    for (const parts of twoWaySplits(bytes)) expect(await collect(parts)).toEqual([{ a: 1 }, { b: "\uFEFF" }]);
  });

  test("lines ended by a lone CR; a bare 'data' line is an empty data line", async () => {
    const bytes = enc.encode('data: {"a":\rdata\rdata: 1}\r\rdata: {"b":2}\r\r');
    expect(await collect([bytes])).toEqual([{ a: 1 }, { b: 2 }]);
    for (const parts of twoWaySplits(bytes)) expect(await collect(parts)).toEqual([{ a: 1 }, { b: 2 }]);
  });

  test("fields that only begin with 'data' are other fields", async () => {
    const text = 'database: {"no":1}\ndatax:2\ndata: {"a":1}\n\n';
    expect(await collect([enc.encode(text)])).toEqual([{ a: 1 }]);
  });

  test("an event still open when the body ends is not a payload", async () => {
    expect(await collect([enc.encode('data: {"a":1}\n\ndata: {"b":2}\n')])).toEqual([{ a: 1 }]);
  });

  test("an empty data event is skipped", async () => {
    expect(await collect([enc.encode('data: \n\ndata: {"a":1}\n\n')])).toEqual([{ a: 1 }]);
  });

  test("[DONE] stops: later events are not yielded and the body is not read further", async () => {
    const pulled = { n: 0 };
    const parts = [
      enc.encode('data: {"a":1}\n\ndata: [DONE]\n\n'),
      enc.encode('data: {"b":2}\n\n'),
      enc.encode('data: {"c":3}\n\n'),
    ];
    const out: unknown[] = [];
    for (const ev of parseSseJson(parts, pulled)) out.push(ev);
    expect(out).toEqual([{ a: 1 }]);
    expect(pulled.n).toBe(1);
  });

  test("[DONE] in the same chunk before another event stops too", async () => {
    expect(await collect([enc.encode('data: {"a":1}\n\ndata: [DONE]\n\ndata: {"b":2}\n\n')])).toEqual([{ a: 1 }]);
  });

  test("a COHERE stream ends at the end of the body without [DONE]", async () => {
    const text = fixtureText("cohere-text.chunks.txt");
    expect(text).not.toContain("[DONE]");
    const got = (await collect([enc.encode(text)])) as Array<{ finishReason?: string }>;
    expect(got.at(-1)!.finishReason).toBe("COMPLETE");
  });

  test("invalid JSON → UpstreamError bad_response, after the good events before it", async () => {
    const { err, got } = await failure([enc.encode('data: {"a":1}\n\ndata: {not json}\n\ndata: {"b":2}\n\n')]);
    expect(got).toEqual([{ a: 1 }]);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).failure).toBe("bad_response");
    expect((err as UpstreamError).message).toContain("not json");
  });

  test("a truncated JSON payload split across chunks is still invalid", async () => {
    const { err } = await failure([enc.encode('data: {"a":'), enc.encode("\n\n")]);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).failure).toBe("bad_response");
  });
});

describe("parseSseJson: large events", () => {
  /** `text` cut into chunks of `size` bytes. */
  const chunksOf = (bytes: Uint8Array, size: number) =>
    Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));

  // Each chunk of a long line used to be joined to all the line before it (16 MB in 4 KB chunks:
  // ~32 GB copied, minutes of a blocked event loop); it is kept apart until the line ends.
  test("a 15 MB event in 4 KB chunks decodes whole, with the small events around it", async () => {
    const big = "x".repeat(15 * 1024 * 1024);
    const bytes = enc.encode(`data: {"a":1}\n\ndata: {"big":"${big}"}\r\n\r\ndata: {"b":2}\n\n`);
    const got = (await collect(chunksOf(bytes, 4096))) as Array<Record<string, unknown>>;
    expect(got).toHaveLength(3);
    expect((got[1]!.big as string).length).toBe(big.length);
    expect(got[2]).toEqual({ b: 2 });
  });

  test("a line past MAX_EVENT_BYTES, or an event's data lines past it, breaks the stream instead of holding the process", async () => {
    const line = new Uint8Array(64 * 1024).fill(120); // "xxxx…", no line end
    const chunks = [enc.encode('data: {"a":1}\n\ndata: "'), ...Array(MAX_EVENT_BYTES / line.length + 1).fill(line)];
    const pulled = { n: 0 };
    const got: unknown[] = [];
    let err: unknown;
    try {
      for (const ev of parseSseJson(chunks, pulled)) got.push(ev);
    } catch (e) {
      err = e;
    }
    expect(got).toEqual([{ a: 1 }]);
    expect((err as UpstreamError).failure).toBe("bad_response");
    expect((err as UpstreamError).message).toContain("larger than 16 MB");

    const row = `data: ${"y".repeat(1024 * 1024)}\n`;
    const many = enc.encode(row.repeat(17));
    const { err: err2 } = await failure([many]);
    expect((err2 as UpstreamError).message).toContain("larger than 16 MB");
  });
});
