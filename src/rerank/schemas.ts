import { type Static, t } from "elysia";

/**
 * `/v1/rerank` and `/genai/{alias}/v1/rerank` in the shape Cohere's and Jina's rerank APIs share,
 * which LangChain, LlamaIndex, Open WebUI and Dify speak (docs/api/rerank.md).
 */
export const RerankDocument = t.Union([t.String(), t.Object({ text: t.String() }, { additionalProperties: true })], {
  description: "A text, or an object with its `text`",
});

export const RerankRequest = t.Object({
  model: t.Optional(
    t.String({
      description:
        "A rerank alias of llm_models.json (cohere.rerank* or capability rerank), or on /genai/{alias}/v1/rerank an OCI rerank model name called with the path alias's region and compartment",
    }),
  ),
  query: t.String({ description: "What the documents are ranked against" }),
  documents: t.Array(RerankDocument, { description: "The texts to rank (at most 1,000)" }),
  top_n: t.Optional(
    t.Number({ minimum: 1, multipleOf: 1, description: "How many results to return, best first (default: all)" }),
  ),
  return_documents: t.Optional(
    t.Boolean({ description: "Include each result's document text (default false, as Cohere)" }),
  ),
  max_chunks_per_doc: t.Optional(t.Number({ minimum: 1, multipleOf: 1, description: "OCI's maxChunksPerDocument" })),
  max_tokens_per_doc: t.Optional(t.Number({ minimum: 1, multipleOf: 1, description: "OCI's maxTokensPerDocument" })),
});
export type RerankRequest = Static<typeof RerankRequest>;

export const RerankResult = t.Object({
  index: t.Number({ description: "The document's position in the request" }),
  relevance_score: t.Number(),
  document: t.Optional(t.Object({ text: t.String() })),
});

export const RerankResponse = t.Object({
  id: t.String(),
  model: t.String(),
  results: t.Array(RerankResult, { description: "Best first" }),
  usage: t.Object({ total_tokens: t.Optional(t.Number()) }),
});
export type RerankResponse = Static<typeof RerankResponse>;
