import { type Static, t } from "elysia";

/**
 * Request schema of `/v1/embeddings` and `/genai/{alias}/v1/embeddings`, and the answer's shape.
 *
 * `input` deliberately admits OpenAI's token-array forms (numbers, arrays of numbers): a schema
 * mismatch could only say "expected union value", while translation rejects them with a 400 that
 * says token arrays are not supported. Empty strings and empty arrays are rejected there too.
 */
const TokenArray = t.Array(t.Number());

export const EmbeddingInput = t.Union([t.String(), t.Array(t.Union([t.String(), t.Number(), TokenArray]))], {
  description:
    "A text, or an array of texts (at most 2048; more than 96 are sent to OCI in several calls). Token arrays are rejected.",
});

export const EmbeddingRequest = t.Object({
  model: t.Optional(
    t.String({
      description:
        "An alias of llm_models.json, or (on /genai/{alias}/v1/embeddings) an OCI model name such as cohere.embed-multilingual-v3.0, called with the path alias's region and compartment",
    }),
  ),
  input: EmbeddingInput,
  encoding_format: t.Optional(
    t.Union([t.Literal("float"), t.Literal("base64")], {
      description: "float (default) or base64 of little-endian float32",
    }),
  ),
  dimensions: t.Optional(
    t.Number({ minimum: 1, multipleOf: 1, description: "cohere.embed-v4* models only: 256, 512, 1024 or 1536" }),
  ),
  user: t.Optional(t.String()),
  input_type: t.Optional(
    t.Union(
      [t.Literal("search_document"), t.Literal("search_query"), t.Literal("classification"), t.Literal("clustering")],
      {
        description: "Extension: OCI's inputType (default search_document)",
      },
    ),
  ),
  truncate: t.Optional(
    t.Union([t.Literal("none"), t.Literal("start"), t.Literal("end")], {
      description: "Extension: OCI's truncate for inputs over the model's token limit",
    }),
  ),
});

export type EmbeddingRequest = Static<typeof EmbeddingRequest>;
export type EncodingFormat = NonNullable<EmbeddingRequest["encoding_format"]>;

export interface EmbeddingObject {
  object: "embedding";
  index: number;
  /** Floats, or base64 of their little-endian float32 bytes (OpenAI's `encoding_format: "base64"`). */
  embedding: number[] | string;
}

export interface EmbeddingUsage {
  prompt_tokens: number;
  total_tokens: number;
}

export interface EmbeddingList {
  object: "list";
  data: EmbeddingObject[];
  model: string;
  usage: EmbeddingUsage;
}
