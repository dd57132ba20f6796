/** Which alias/model serves an embeddings request, and how >96 inputs are split (CONTRACT §4; src/services/embeddings.ts). */
import { describe, expect, test } from "bun:test";
import {
  createEmbeddings,
  type ResolvedEmbedding,
  resolveEmbeddingTarget,
} from "../../src/embeddings/embeddings-service";
import type { EmbeddingRequest } from "../../src/embeddings/schemas";
import { ApiError } from "../../src/errors/api-error";
import { UpstreamError } from "../../src/errors/upstream-error";
import type { CallOptions, CallTarget, OciReply, OciTransport } from "../../src/oci/transport";
import type { EmbedTextDetails } from "../../src/oci/wire";
import { makeTestApp } from "../support/app";
import { COMPARTMENT, testModels } from "../support/gateway";
import { stubTransport } from "../support/stub-transport";
import { apiError } from "../support/throws";
import { absenceWindow } from "../support/wait";

const OTHER_COMPARTMENT = "ocid1.compartment.oc1..aaaaother";
const config = makeTestApp({
  models: testModels({
    e3: {
      id: "cohere.embed-multilingual-v3.0",
      region: "eu-frankfurt-1",
      compartmentId: OTHER_COMPARTMENT,
      endpoint: "http://127.0.0.1:1",
    },
    e4: { id: "cohere.embed-v4.0", region: "us-chicago-1", compartmentId: COMPARTMENT },
  }),
}).store.current;

describe("resolveEmbeddingTarget", () => {
  test("/v1/embeddings: the body's alias, whole", () => {
    const r = resolveEmbeddingTarget(config, undefined, "e3");
    expect(r.alias.alias).toBe("e3");
    expect(r.model).toBe("e3");
    expect(r.target).toEqual({
      servingMode: { servingType: "ON_DEMAND", modelId: "cohere.embed-multilingual-v3.0" },
      compartmentId: OTHER_COMPARTMENT,
      modelName: "cohere.embed-multilingual-v3.0",
    });
  });

  test("/v1/embeddings: an OCI model name that is not an alias → 404 model_not_found pointing at the path form", () => {
    const e = apiError(() => resolveEmbeddingTarget(config, undefined, "cohere.embed-multilingual-v3.0"));
    expect(e.status).toBe(404);
    expect(e.code).toBe("model_not_found");
    expect(e.message).toContain("/genai/{alias}/v1/embeddings");
  });

  test("/v1/embeddings: no model → 400 naming model", () => {
    for (const m of [undefined, ""]) {
      const e = apiError(() => resolveEmbeddingTarget(config, undefined, m));
      expect(e.status).toBe(400);
      expect(e.param).toBe("model");
    }
  });

  test("path form without a body model → the path's alias", () => {
    const r = resolveEmbeddingTarget(config, "e4", undefined);
    expect(r.alias.alias).toBe("e4");
    expect(r.model).toBe("e4");
    expect(r.target!.servingMode).toEqual({ servingType: "ON_DEMAND", modelId: "cohere.embed-v4.0" });
  });

  test("path form: a body alias wins over the path's, region and compartment included", () => {
    const r = resolveEmbeddingTarget(config, "e4", "e3");
    expect(r.alias.alias).toBe("e3");
    expect(r.alias.region).toBe("eu-frankfurt-1");
    expect(r.target!.compartmentId).toBe(OTHER_COMPARTMENT);
    expect(r.model).toBe("e3");
  });

  test("seed example: /genai/gpt5 with an OCI model name → that model ON_DEMAND with gpt5's region, compartment and endpoint", () => {
    const r = resolveEmbeddingTarget(config, "e3", "cohere.embed-english-light-v3.0");
    expect(r.alias.alias).toBe("e3");
    expect(r.alias.endpoint).toBe("http://127.0.0.1:1");
    expect(r.target).toEqual({
      servingMode: { servingType: "ON_DEMAND", modelId: "cohere.embed-english-light-v3.0" },
      compartmentId: OTHER_COMPARTMENT,
      modelName: "cohere.embed-english-light-v3.0",
    });
    expect(r.model).toBe("cohere.embed-english-light-v3.0");
    const g = resolveEmbeddingTarget(config, "gpt5", "cohere.embed-multilingual-v3.0");
    expect(g.target!.servingMode).toEqual({ servingType: "ON_DEMAND", modelId: "cohere.embed-multilingual-v3.0" });
    expect(g.target!.compartmentId).toBe(COMPARTMENT);
  });

  test("path form on a dedicated alias with an OCI model name still goes ON_DEMAND", () => {
    const r = resolveEmbeddingTarget(config, "dedicated", "cohere.embed-v4.0");
    expect(r.target!.servingMode).toEqual({ servingType: "ON_DEMAND", modelId: "cohere.embed-v4.0" });
  });

  test("path form: a placeholder that is neither alias nor OCI model name → 404 naming model", () => {
    const e = apiError(() => resolveEmbeddingTarget(config, "e3", "text-embedding-3-small"));
    expect(e.status).toBe(404);
    expect(e.param).toBe("model");
    expect(e.message).toContain("text-embedding-3-small");
  });

  test("unknown path alias → 404", () => {
    expect(apiError(() => resolveEmbeddingTarget(config, "nope", undefined)).status).toBe(404);
    expect(apiError(() => resolveEmbeddingTarget(config, "nope", "cohere.embed-v4.0")).status).toBe(404);
  });

  test("agent aliases → 400, as body model, as path alias, or lending their region to an OCI name", () => {
    expect(apiError(() => resolveEmbeddingTarget(config, undefined, "my-agent")).status).toBe(400);
    expect(apiError(() => resolveEmbeddingTarget(config, "e3", "my-agent")).status).toBe(400);
    expect(apiError(() => resolveEmbeddingTarget(config, "my-agent", undefined)).status).toBe(400);
    expect(apiError(() => resolveEmbeddingTarget(config, "my-agent", "cohere.embed-v4.0")).status).toBe(400);
    expect(apiError(() => resolveEmbeddingTarget(config, "e3", "ocid1.genaiagentendpoint.oc1..x")).status).toBe(400);
  });
});

interface Seen {
  target: CallTarget;
  details: EmbedTextDetails;
  opts: CallOptions;
}

/** A transport whose embedText answers like OCI after `delayMs`, recording calls and peak concurrency. */
function recordingTransport(
  o: { delayMs?: number; fail?: (call: number) => unknown; body?: (inputs: string[]) => unknown } = {},
) {
  const seen: Seen[] = [];
  let inFlight = 0;
  let peak = 0;
  let aborted = 0;
  const transport: OciTransport = stubTransport({
    async embedText(target, details, opts): Promise<OciReply> {
      const n = seen.push({ target, details, opts });
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        // Later calls answer sooner, so order must come from the batch index, not arrival.
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, (o.delayMs ?? 10) * (4 - (n % 4)));
          opts.signal.addEventListener("abort", () => {
            clearTimeout(timer);
            aborted++;
            reject(new DOMException("aborted", "AbortError"));
          });
        });
        const failure = o.fail?.(n);
        if (failure) throw failure;
        const inputs = details.inputs ?? [];
        return {
          body: o.body?.(inputs) ?? {
            embeddings: inputs.map((t) => [Number(t.slice(1)), 1]),
            usage: { promptTokens: inputs.length, completionTokens: 0, totalTokens: inputs.length + 1 },
          },
          opcRequestId: `opc-${n}`,
        };
      } finally {
        inFlight--;
      }
    },
  });
  return { transport, seen, peak: () => peak, aborted: () => aborted };
}

const texts = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);
const run = (
  transport: OciTransport,
  request: Partial<EmbeddingRequest>,
  resolved: ResolvedEmbedding = resolveEmbeddingTarget(config, "e3", undefined),
  signal = new AbortController().signal,
) =>
  createEmbeddings(transport, {
    resolved,
    request: { input: "x", ...request } as EmbeddingRequest,
    requestId: "req-1",
    signal,
  });

describe("createEmbeddings", () => {
  test("one call for ≤96 inputs, to the alias's region and endpoint, with our request id", async () => {
    const t = recordingTransport();
    const out = await run(t.transport, { input: texts(96) });
    expect(t.seen).toHaveLength(1);
    expect(t.seen[0]!.target).toEqual({ region: "eu-frankfurt-1", endpoint: "http://127.0.0.1:1" });
    expect(t.seen[0]!.opts.requestId).toBe("req-1");
    expect(out.body.data).toHaveLength(96);
    expect(out.ociRequestId).toBe("opc-1");
    expect(out.body.model).toBe("e3");
  });

  test("1000 inputs → 11 calls of ≤96, at most 4 at once, answer in input order, usage summed", async () => {
    const t = recordingTransport();
    const out = await run(t.transport, { input: texts(1000) });
    expect(t.seen.map((s) => s.details.inputs!.length)).toEqual([96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 40]);
    expect(t.seen.flatMap((s) => s.details.inputs!)).toEqual(texts(1000));
    expect(t.peak()).toBe(4);
    expect(out.body.data.map((d) => d.index)).toEqual(texts(1000).map((_, i) => i));
    expect(out.body.data.map((d) => (d.embedding as number[])[0])).toEqual(texts(1000).map((_, i) => i));
    expect(out.body.usage).toEqual({ prompt_tokens: 1000, total_tokens: 1011 });
    expect(out.ociRequestId!.split(", ")).toHaveLength(11);
  });

  test("every call carries the same settings; only inputs differ", async () => {
    const t = recordingTransport();
    await run(t.transport, { input: texts(200), input_type: "search_query", truncate: "end" });
    for (const s of t.seen) {
      const { inputs, ...rest } = s.details;
      void inputs;
      expect(rest).toEqual({
        servingMode: { servingType: "ON_DEMAND", modelId: "cohere.embed-multilingual-v3.0" },
        compartmentId: OTHER_COMPARTMENT,
        inputType: "SEARCH_QUERY",
        truncate: "END",
      } as unknown as typeof rest);
    }
  });

  test("a failing call fails the request and aborts the calls still running; no further calls start", async () => {
    const boom = new UpstreamError("http", "slow down", { status: 429 });
    const t = recordingTransport({ fail: (n) => (n === 2 ? boom : undefined), delayMs: 20 });
    const err = await run(t.transport, { input: texts(96 * 10) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBe(boom);
    expect(t.aborted()).toBeGreaterThan(0);
    await absenceWindow(); // a call started after the failure would show up here
    expect(t.seen.length).toBeLessThan(10);
  });

  test("a client that goes away aborts the OCI calls and the request", async () => {
    const t = recordingTransport({ delayMs: 50 });
    const ctrl = new AbortController();
    const p = run(t.transport, { input: texts(300) }, undefined, ctrl.signal);
    setTimeout(() => ctrl.abort(new DOMException("client went away", "AbortError")), 10);
    await expect(p).rejects.toThrow();
    expect(t.aborted()).toBe(4);
    expect(t.seen).toHaveLength(4);
  });

  test("a bad OCI answer is a bad_response carrying that call's OCI request id", async () => {
    const t = recordingTransport({ body: () => ({ embeddings: [[0.1]] }) });
    const err = await run(t.transport, { input: ["a", "b"] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).failure).toBe("bad_response");
    expect((err as UpstreamError).init.opcRequestId).toBe("opc-1");
  });

  test("validation happens before any call", async () => {
    const t = recordingTransport();
    await expect(run(t.transport, { input: ["a", ""] })).rejects.toBeInstanceOf(ApiError);
    expect(t.seen).toHaveLength(0);
  });
});
