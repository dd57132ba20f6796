/** OCI EmbedTextResult → OpenAI embedding objects (OCI-WIRE §4.1; src/openai/map-embed-text-result.ts). */
import { describe, expect, test } from "bun:test";
import { mapEmbedTextResult } from "../../src/embeddings/map-embed-text-result";
import { upstreamError } from "../support/throws";

const VECTORS = [
  [0.0094, -0.0109, 0.5, -1, 1e-8],
  [0.25, 0.125, -0.0625, 3.4e38, -2.5e-39],
];
const OCI_ANSWER = {
  id: "abc",
  embeddings: VECTORS,
  modelId: "cohere.embed-v4.0",
  modelVersion: "4.0",
  usage: { completionTokens: 0, promptTokens: 16, totalTokens: 16 },
};

/** What an OpenAI client does with a base64 embedding: little-endian float32 bytes. */
function decode(b64: string): number[] {
  const buf = Buffer.from(b64, "base64");
  expect(buf.length % 4).toBe(0);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  return Array.from({ length: buf.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

describe("float", () => {
  test("vectors as given, numbered from the batch's offset, usage mapped", () => {
    const r = mapEmbedTextResult(OCI_ANSWER, { inputs: 2, offset: 96, encoding: "float" });
    expect(r.data).toEqual([
      { object: "embedding", index: 96, embedding: VECTORS[0]! },
      { object: "embedding", index: 97, embedding: VECTORS[1]! },
    ]);
    expect(r.usage).toEqual({ prompt_tokens: 16, total_tokens: 16 });
  });

  test("no usage from OCI → zeros, not a crash", () => {
    const { usage, ...noUsage } = OCI_ANSWER;
    void usage;
    expect(mapEmbedTextResult(noUsage, { inputs: 2, offset: 0, encoding: "float" }).usage).toEqual({
      prompt_tokens: 0,
      total_tokens: 0,
    });
  });
});

describe("base64", () => {
  test("decodes (as Float32Array, like the openai client) to the float answer at float32 precision", () => {
    const floats = mapEmbedTextResult(OCI_ANSWER, { inputs: 2, offset: 0, encoding: "float" });
    const b64 = mapEmbedTextResult(OCI_ANSWER, { inputs: 2, offset: 0, encoding: "base64" });
    for (const [i, item] of b64.data.entries()) {
      expect(typeof item.embedding).toBe("string");
      const buf = Buffer.from(item.embedding as string, "base64");
      const f32 = Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4));
      expect(f32).toEqual((floats.data[i]!.embedding as number[]).map(Math.fround));
      expect(item.index).toBe(i);
    }
  });

  test("the byte order is little-endian whatever the host", () => {
    const r = mapEmbedTextResult({ embeddings: [[1, -2]] }, { inputs: 1, offset: 0, encoding: "base64" });
    // 1.0f = 0x3F800000, -2.0f = 0xC0000000, least significant byte first.
    expect([...Buffer.from(r.data[0]!.embedding as string, "base64")]).toEqual([
      0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0,
    ]);
    expect(decode(r.data[0]!.embedding as string)).toEqual([1, -2]);
  });
});

describe("OCI's answer is checked before it is mapped", () => {
  test.each([
    ["not an object", "nope"],
    ["null", null],
    ["no embeddings", { usage: {} }],
    ["embeddings not an array", { embeddings: { 0: [1] } }],
    ["fewer vectors than inputs", { embeddings: [[0.1, 0.2]] }],
    ["more vectors than inputs", { embeddings: [[0.1], [0.2], [0.3]] }],
    ["a vector that is not an array", { embeddings: [[0.1], "0.2"] }],
    ["a vector with a string in it", { embeddings: [[0.1], [0.2, "0.3"]] }],
    ["a vector with null in it", { embeddings: [[0.1], [null]] }],
    ["an empty vector", { embeddings: [[0.1], []] }],
    ["vectors of different sizes", { embeddings: [[0.1, 0.2], [0.3]] }],
    ["only embeddingsByType", { embeddingsByType: { float: [[0.1], [0.2]] } }],
  ])("%s → bad_response", (_name, body) => {
    const e = upstreamError(() => mapEmbedTextResult(body, { inputs: 2, offset: 0, encoding: "float" }));
    expect(e.failure).toBe("bad_response");
  });

  test("the count mismatch message says both numbers", () => {
    const e = upstreamError(() =>
      mapEmbedTextResult({ embeddings: [[0.1]] }, { inputs: 3, offset: 0, encoding: "float" }),
    );
    expect(e.message).toContain("1 embeddings for 3 inputs");
  });
});
