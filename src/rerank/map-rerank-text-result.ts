import { UpstreamError } from "../errors/upstream-error";
import type { RerankResponse } from "./schemas";

const isRec = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * OCI's RerankTextResult as the Cohere/Jina answer: results best first, each naming its
 * document's index in the request, the text added from the request when asked for, at most
 * `topN` of them. A shape OCI did not promise (no ranks, an index outside the documents) is an
 * upstream error, not a guess.
 */
export function mapRerankTextResult(
  body: unknown,
  o: { model: string; texts: readonly string[]; returnDocuments: boolean; topN?: number },
): RerankResponse {
  if (!isRec(body) || !Array.isArray(body.documentRanks))
    throw new UpstreamError("bad_response", "rerankText answer without documentRanks");
  const results = body.documentRanks.map((r: unknown) => {
    const index = isRec(r) ? r.index : undefined;
    const score = isRec(r) ? r.relevanceScore : undefined;
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= o.texts.length)
      throw new UpstreamError(
        "bad_response",
        `rerankText rank with index ${JSON.stringify(index)} for ${o.texts.length} documents`,
      );
    if (typeof score !== "number" || !Number.isFinite(score))
      throw new UpstreamError("bad_response", `rerankText rank ${index} without a relevanceScore`);
    return {
      index,
      relevance_score: score,
      ...(o.returnDocuments ? { document: { text: o.texts[index]! } } : {}),
    };
  });
  results.sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index);
  return {
    id: typeof body.id === "string" && body.id !== "" ? body.id : crypto.randomUUID(),
    model: o.model,
    // OCI is asked for `topN` ranks; should it send more, the client still gets what it asked for.
    results: o.topN === undefined ? results : results.slice(0, o.topN),
    // OCI does not count a rerank's tokens; the field is there for clients that read it.
    usage: {},
  };
}
