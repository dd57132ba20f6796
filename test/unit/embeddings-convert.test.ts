/** OpenAI embeddings request → OCI EmbedTextDetails (CONTRACT §4 "Embeddings", OCI-WIRE §4.1; src/openai/convert-to-embed-text-details.ts). */
import { describe, expect, test } from "bun:test";
import { convertToEmbedTextDetails, type EmbedTarget } from "../../src/embeddings/convert-to-embed-text-details";
import type { EmbeddingRequest } from "../../src/embeddings/schemas";
import { apiError } from "../support/throws";

const COMP = "ocid1.compartment.oc1..aaaa";
const target = (modelId: string): EmbedTarget => ({
  servingMode: { servingType: "ON_DEMAND", modelId },
  compartmentId: COMP,
  modelName: modelId.startsWith("ocid1.") ? undefined : modelId,
});
const V3 = target("cohere.embed-multilingual-v3.0");
const V4 = target("cohere.embed-v4.0");

/** The body exactly as it goes on the wire (undefined members vanish in JSON). */
function wire(req: Partial<EmbeddingRequest>, t: EmbedTarget = V3) {
  return JSON.parse(JSON.stringify(convertToEmbedTextDetails({ input: "hello", ...req } as EmbeddingRequest, t)));
}

describe("body on the wire", () => {
  test("a single string: exact body, inputType defaults to SEARCH_DOCUMENT, no truncate", () => {
    expect(wire({ input: "hello" })).toEqual({
      inputs: ["hello"],
      servingMode: { servingType: "ON_DEMAND", modelId: "cohere.embed-multilingual-v3.0" },
      compartmentId: COMP,
      inputType: "SEARCH_DOCUMENT",
    });
  });

  test("an array keeps its order; OpenAI-only fields (user, encoding_format, model) are not forwarded", () => {
    const w = wire({ input: ["b", "a", "c"], user: "u-1", encoding_format: "base64", model: "whatever" });
    expect(w.inputs).toEqual(["b", "a", "c"]);
    expect(Object.keys(w).sort()).toEqual(["compartmentId", "inputType", "inputs", "servingMode"]);
  });

  test.each([
    ["search_document", "SEARCH_DOCUMENT"],
    ["search_query", "SEARCH_QUERY"],
    ["classification", "CLASSIFICATION"],
    ["clustering", "CLUSTERING"],
  ] as const)("input_type %s → inputType %s", (given, sent) => {
    expect(wire({ input_type: given }).inputType).toBe(sent);
  });

  test.each([
    ["none", "NONE"],
    ["start", "START"],
    ["end", "END"],
  ] as const)("truncate %s → %s", (given, sent) => {
    expect(wire({ truncate: given }).truncate).toBe(sent);
  });

  test("a dedicated endpoint's serving mode passes through", () => {
    const t: EmbedTarget = {
      servingMode: { servingType: "DEDICATED", endpointId: "ocid1.generativeaiendpoint.oc1..e" },
      compartmentId: COMP,
    };
    expect(wire({}, t).servingMode).toEqual({
      servingType: "DEDICATED",
      endpointId: "ocid1.generativeaiendpoint.oc1..e",
    });
  });
});

describe("dimensions → outputDimensions", () => {
  test.each([256, 512, 1024, 1536])("%d on cohere.embed-v4.0 is sent", (d) => {
    expect(wire({ dimensions: d }, V4).outputDimensions).toBe(d);
  });

  test("no dimensions → no outputDimensions, even on v4", () => {
    expect("outputDimensions" in wire({}, V4)).toBe(false);
  });

  test.each([1, 100, 768, 2048, 3072])("%d on v4 → 400 naming dimensions and listing the allowed sizes", (d) => {
    const e = apiError(() => wire({ dimensions: d }, V4));
    expect(e.status).toBe(400);
    expect(e.param).toBe("dimensions");
    expect(e.message).toContain("256, 512, 1024, 1536");
  });

  test.each(["cohere.embed-multilingual-v3.0", "cohere.embed-english-light-v3.0", "cohere.embed-english-v3.0"])(
    "on %s → 400 naming dimensions, even with a v4 size",
    (m) => {
      const e = apiError(() => wire({ dimensions: 1024 }, target(m)));
      expect(e.status).toBe(400);
      expect(e.param).toBe("dimensions");
      expect(e.code).toBe("unsupported_parameter");
      expect(e.message).toContain(m);
    },
  );

  test("on an OCID (model unknown) → 400 naming dimensions", () => {
    const e = apiError(() => wire({ dimensions: 1024 }, target("ocid1.generativeaimodel.oc1..m")));
    expect(e.param).toBe("dimensions");
  });
});

describe("input is rejected, never guessed", () => {
  test.each([
    ["one token array", [1, 2, 3]],
    ["several token arrays", [[1, 2], [3]]],
    ["texts mixed with tokens", ["a", 5]],
  ])("%s → 400 naming input, saying token arrays are not supported", (_name, input) => {
    const e = apiError(() => wire({ input: input as EmbeddingRequest["input"] }));
    expect(e.status).toBe(400);
    expect(e.param).toBe("input");
    expect(e.message).toContain("token arrays");
    expect(e.message).toContain("not supported");
  });

  test("an empty array → 400 naming input", () => {
    const e = apiError(() => wire({ input: [] }));
    expect(e.param).toBe("input");
    expect(e.message).toContain("empty array");
  });

  test("an empty string, alone or in an array → 400 naming input (and the index)", () => {
    expect(apiError(() => wire({ input: "" })).param).toBe("input");
    const e = apiError(() => wire({ input: ["a", "b", ""] }));
    expect(e.param).toBe("input");
    expect(e.message).toContain("input[2]");
  });

  test("2048 inputs are accepted, 2049 are a 400 naming input", () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);
    expect(wire({ input: many(2048) }).inputs).toHaveLength(2048);
    const e = apiError(() => wire({ input: many(2049) }));
    expect(e.param).toBe("input");
    expect(e.message).toContain("2049");
  });
});
