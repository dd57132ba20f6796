const words = (s: string) => new Set(s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);

/**
 * A relevance score in (0, 1) that behaves like a reranker's, deterministically: the share of
 * the query's words the document contains decides the order, and a small hash-derived part
 * breaks ties, so documents sharing nothing with the query still get distinct low scores.
 */
export function simulatedRelevance(query: string, document: string): number {
  const q = words(query);
  const d = words(document);
  let shared = 0;
  for (const w of q) if (d.has(w)) shared++;
  const overlap = q.size === 0 ? 0 : shared / q.size;
  const jitter = new Bun.CryptoHasher("sha256").update(`${query}\u0000${document}`).digest().readUInt16LE(0) / 65536;
  return Math.round((0.02 + 0.9 * overlap + 0.05 * jitter) * 1e6) / 1e6;
}

/** OCI's RerankTextResult for a query and its documents: ranks by score, best first, `topN` of them. */
export function simulateRerank(
  query: string,
  documents: readonly string[],
  o: { topN?: number; isEcho?: boolean; modelId: string; id: string },
) {
  const ranks = documents
    .map((text, index) => ({ index, relevanceScore: simulatedRelevance(query, text), text }))
    .sort((a, b) => b.relevanceScore - a.relevanceScore || a.index - b.index)
    .slice(0, o.topN ?? documents.length)
    .map(({ index, relevanceScore, text }) => ({
      index,
      relevanceScore,
      ...(o.isEcho ? { document: { text } } : {}),
    }));
  return { id: o.id, modelId: o.modelId, modelVersion: "1.0", documentRanks: ranks };
}
