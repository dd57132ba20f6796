/** OCI's RerankTextResult as the Cohere/Jina answer (src/rerank/map-rerank-text-result.ts). */
import { describe, expect, test } from "bun:test";
import { UpstreamError } from "../../src/errors/upstream-error";
import { mapRerankTextResult } from "../../src/rerank/map-rerank-text-result";

const TEXTS = ["a", "b", "c", "d"];
const ranks = (...pairs: Array<[number, number]>) => ({
  id: "r1",
  documentRanks: pairs.map(([index, relevanceScore]) => ({ index, relevanceScore })),
});

describe("mapRerankTextResult", () => {
  test("more ranks than top_n asked for: the best top_n, best first", () => {
    const out = mapRerankTextResult(ranks([0, 0.1], [2, 0.9], [3, 0.5], [1, 0.7]), {
      model: "rerank",
      texts: TEXTS,
      returnDocuments: true,
      topN: 2,
    });
    expect(out.results).toEqual([
      { index: 2, relevance_score: 0.9, document: { text: "c" } },
      { index: 1, relevance_score: 0.7, document: { text: "b" } },
    ]);
  });

  test("without top_n, or with fewer ranks than it, every rank OCI sent", () => {
    const body = ranks([0, 0.1], [2, 0.9]);
    const all = { model: "rerank", texts: TEXTS, returnDocuments: false };
    expect(mapRerankTextResult(body, all).results.map((r) => r.index)).toEqual([2, 0]);
    expect(mapRerankTextResult(body, { ...all, topN: 4 }).results.map((r) => r.index)).toEqual([2, 0]);
  });

  test("a rank outside the documents is an upstream error even past top_n", () => {
    expect(() =>
      mapRerankTextResult(ranks([0, 0.9], [9, 0.1]), { model: "m", texts: TEXTS, returnDocuments: false, topN: 1 }),
    ).toThrow(UpstreamError);
  });
});
