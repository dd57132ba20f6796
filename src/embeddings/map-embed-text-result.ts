import { mapUsage } from "../chat/formats/map-usage";
import { UpstreamError } from "../errors/upstream-error";
import { expectRec } from "../oci/reply-shapes";
import type { EmbeddingObject, EmbeddingUsage, EncodingFormat } from "./schemas";

export interface EmbedTextBatch {
  data: EmbeddingObject[];
  usage: EmbeddingUsage;
}

/**
 * One OCI EmbedTextResult → OpenAI embedding objects, numbered from `offset` (the batch's place in
 * the request). OCI's answer is checked first: one vector of finite numbers per input, all of one
 * size; anything else is a typed bad_response (502), never a client handed a wrong vector.
 */
export function mapEmbedTextResult(
  body: unknown,
  o: { inputs: number; offset: number; encoding: EncodingFormat },
): EmbedTextBatch {
  const result = expectRec(body, "OCI embedText answer");
  const vectors = result.embeddings;
  if (!Array.isArray(vectors))
    throw new UpstreamError("bad_response", "OCI embedText answer has no 'embeddings' array");
  if (vectors.length !== o.inputs) {
    throw new UpstreamError(
      "bad_response",
      `OCI embedText answered ${vectors.length} embeddings for ${o.inputs} inputs`,
    );
  }
  let size: number | undefined;
  const data = vectors.map((v, i): EmbeddingObject => {
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === "number" && Number.isFinite(x))) {
      throw new UpstreamError(
        "bad_response",
        `OCI embedText answer: embeddings[${i}] is not a non-empty array of numbers`,
      );
    }
    size ??= v.length;
    if (v.length !== size)
      throw new UpstreamError(
        "bad_response",
        `OCI embedText answer: embeddings[${i}] has ${v.length} dimensions, embeddings[0] has ${size}`,
      );
    return { object: "embedding", index: o.offset + i, embedding: encode(v as number[], o.encoding) };
  });
  const u = mapUsage(result.usage);
  return { data, usage: { prompt_tokens: u?.inputTokens ?? 0, total_tokens: u?.totalTokens ?? 0 } };
}

function encode(v: number[], encoding: EncodingFormat): number[] | string {
  switch (encoding) {
    case "float":
      return v;
    case "base64": {
      // OpenAI's base64 is the raw little-endian float32 bytes; say the byte order, don't inherit the host's.
      const bytes = new DataView(new ArrayBuffer(v.length * 4));
      v.forEach((x, i) => {
        bytes.setFloat32(i * 4, x, true);
      });
      return Buffer.from(bytes.buffer).toString("base64");
    }
    default: {
      const never: never = encoding;
      throw new Error(`unhandled encoding ${String(never)}`);
    }
  }
}
