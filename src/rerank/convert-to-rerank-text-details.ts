import { badRequest } from "../errors/api-error";
import type { ServingMode } from "../oci/model-target";
import type { RerankTextDetails } from "../oci/wire";
import type { RerankRequest } from "./schemas";

/** Cohere's own limit per call; OCI's is not documented (docs/api/rerank.md#limits). */
export const MAX_RERANK_DOCUMENTS = 1000;

export interface RerankTarget {
  servingMode: ServingMode;
  compartmentId: string;
}

/** The documents' texts, in order: a string is its own text, an object gives its `text`. */
export function documentTexts(req: RerankRequest): string[] {
  return req.documents.map((d) => (typeof d === "string" ? d : d.text));
}

/**
 * The OCI request for one rerank. Pure. An empty query or document list, or more documents than
 * the limit, is a 400 naming the field; `top_n` above the number of documents asks for all of
 * them, as Cohere and Jina answer it.
 */
export function convertToRerankTextDetails(
  req: RerankRequest,
  texts: readonly string[],
  target: RerankTarget,
): RerankTextDetails {
  if (req.query.trim() === "") throw badRequest("'query' must not be empty", "query");
  if (texts.length === 0) throw badRequest("'documents' must hold at least one document", "documents");
  if (texts.length > MAX_RERANK_DOCUMENTS)
    throw badRequest(
      `'documents' holds ${texts.length} documents; at most ${MAX_RERANK_DOCUMENTS} are ranked per request`,
      "documents",
    );
  return {
    input: req.query,
    compartmentId: target.compartmentId,
    servingMode: target.servingMode as RerankTextDetails["servingMode"],
    documents: [...texts],
    ...(req.top_n === undefined ? {} : { topN: Math.min(req.top_n, texts.length) }),
    ...(req.max_chunks_per_doc === undefined ? {} : { maxChunksPerDocument: req.max_chunks_per_doc }),
    ...(req.max_tokens_per_doc === undefined ? {} : { maxTokensPerDocument: req.max_tokens_per_doc }),
  };
}
