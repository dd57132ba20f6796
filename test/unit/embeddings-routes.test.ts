/** `/v1/embeddings` and `/genai/{alias}/v1/embeddings` in TEST_MODE, through app.handle (CONTRACT §3, §4, §5, §8). */
import { describe, expect, test } from "bun:test";
import { deterministicUnitVector } from "../../src/mock/simulate-embeddings";
import { makeTestApp } from "../support/app";
import { COMPARTMENT, testModels } from "../support/gateway";

const REGION = "us-chicago-1";
const { call, logs } = makeTestApp({
  models: testModels({
    e3: { id: "cohere.embed-multilingual-v3.0", region: REGION, compartmentId: COMPARTMENT },
    light: { id: "cohere.embed-english-light-v3.0", region: REGION, compartmentId: COMPARTMENT },
    e4: { id: "cohere.embed-v4.0", region: REGION, compartmentId: COMPARTMENT },
  }),
});

const post = (path: string, json: unknown) => call(path, { method: "POST", json });
interface List {
  object: string;
  data: Array<{ object: string; index: number; embedding: number[] | string }>;
  model: string;
  usage: Record<string, number>;
}
const norm = (v: number[]) => Math.hypot(...v);
const decode = (b64: string) => {
  const buf = Buffer.from(b64, "base64");
  return Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4));
};

describe("answers", () => {
  test("OpenAI's shape exactly, the alias as model, x-oci-request-id set", async () => {
    const r = await post("/v1/embeddings", { model: "e3", input: "hello world" });
    expect(r.status).toBe(200);
    expect(r.headers.get("x-oci-request-id")).toMatch(/^TESTMODE/);
    const body = (await r.json()) as List;
    expect(Object.keys(body).sort()).toEqual(["data", "model", "object", "usage"]);
    expect(body.object).toBe("list");
    expect(body.model).toBe("e3");
    expect(body.data).toHaveLength(1);
    expect(body.data[0]!.object).toBe("embedding");
    expect(body.data[0]!.index).toBe(0);
    expect(Object.keys(body.usage).sort()).toEqual(["prompt_tokens", "total_tokens"]);
    expect(body.usage.prompt_tokens).toBe(2);
    expect(body.usage.total_tokens).toBe(2);
  });

  test.each([
    ["e3", undefined, 1024],
    ["light", undefined, 384],
    ["e4", undefined, 1536],
    ["e4", 256, 256],
    ["e4", 512, 512],
    ["e4", 1024, 1024],
  ] as const)("%s with dimensions %p → vectors of %d, unit length", async (model, dimensions, size) => {
    const r = await post("/v1/embeddings", { model, input: ["a", "b"], dimensions });
    expect(r.status).toBe(200);
    const body = (await r.json()) as List;
    for (const d of body.data) {
      expect((d.embedding as number[]).length).toBe(size);
      expect(norm(d.embedding as number[])).toBeCloseTo(1, 5);
    }
  });

  test("the same text embeds to the same vector, different texts differ", async () => {
    const a = (await (await post("/v1/embeddings", { model: "e3", input: ["same", "other"] })).json()) as List;
    const b = (await (await post("/v1/embeddings", { model: "e3", input: "same" })).json()) as List;
    expect(b.data[0]!.embedding).toEqual(a.data[0]!.embedding);
    expect(a.data[1]!.embedding).not.toEqual(a.data[0]!.embedding);
  });

  test("200 inputs come back in input order, numbered 0..199", async () => {
    const input = Array.from({ length: 200 }, (_, i) => `sentence number ${i}`);
    const r = await post("/v1/embeddings", { model: "light", input });
    expect(r.status).toBe(200);
    const body = (await r.json()) as List;
    expect(body.data.map((d) => d.index)).toEqual(input.map((_, i) => i));
    body.data.forEach((d, i) => {
      expect(d.embedding).toEqual(deterministicUnitVector(input[i]!, 384));
    });
    // three OCI calls (96 + 96 + 8): three OCI request ids, usage summed over all of them
    expect(r.headers.get("x-oci-request-id")!.split(", ")).toHaveLength(3);
    expect(body.usage.prompt_tokens).toBe(600);
  });

  test("encoding_format base64 decodes to the float answer", async () => {
    const input = ["alpha", "beta gamma"];
    const f = (await (await post("/v1/embeddings", { model: "e4", input, encoding_format: "float" })).json()) as List;
    const b = (await (await post("/v1/embeddings", { model: "e4", input, encoding_format: "base64" })).json()) as List;
    expect(b.data).toHaveLength(2);
    b.data.forEach((d, i) => {
      expect(typeof d.embedding).toBe("string");
      expect(decode(d.embedding as string)).toEqual((f.data[i]!.embedding as number[]).map(Math.fround));
    });
  });

  test("input_type and truncate extensions are accepted", async () => {
    const r = await post("/v1/embeddings", { model: "e3", input: "q", input_type: "search_query", truncate: "end" });
    expect(r.status).toBe(200);
  });

  test("the access log names the alias and the prompt tokens", async () => {
    await call("/genai/e3/v1/embeddings", {
      method: "POST",
      json: { input: "log me please" },
      headers: { "x-request-id": "emb-log-1" },
    });
    // The access log is written after the response is handed back.
    const find = () =>
      logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.requestId === "emb-log-1");
    for (let i = 0; i < 100 && !find(); i++) await Bun.sleep(5);
    const line = find();
    expect(line).toBeDefined();
    expect(line!.alias).toBe("e3");
    expect(line!.tokens).toEqual({ prompt: 3, completion: 0 });
  });
});

describe("path form", () => {
  test("seed example: /genai/gpt5/v1/embeddings with an OCI model name answers with that model's vectors", async () => {
    const r = await post("/genai/gpt5/v1/embeddings", {
      input: "Texto para embedding",
      model: "cohere.embed-multilingual-v3.0",
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as List;
    expect(body.model).toBe("cohere.embed-multilingual-v3.0");
    expect((body.data[0]!.embedding as number[]).length).toBe(1024);
  });

  test("no body model → the path's alias", async () => {
    const body = (await (await post("/genai/light/v1/embeddings", { input: "x" })).json()) as List;
    expect(body.model).toBe("light");
    expect((body.data[0]!.embedding as number[]).length).toBe(384);
  });

  test("a body alias wins over the path's", async () => {
    const body = (await (await post("/genai/light/v1/embeddings", { input: "x", model: "e4" })).json()) as List;
    expect(body.model).toBe("e4");
    expect((body.data[0]!.embedding as number[]).length).toBe(1536);
  });

  test("dimensions follow the body's OCI model name, not the path's alias", async () => {
    const ok = await post("/genai/e3/v1/embeddings", { input: "x", model: "cohere.embed-v4.0", dimensions: 256 });
    expect(ok.status).toBe(200);
    expect((((await ok.json()) as List).data[0]!.embedding as number[]).length).toBe(256);
    const bad = await post("/genai/e4/v1/embeddings", {
      input: "x",
      model: "cohere.embed-english-v3.0",
      dimensions: 256,
    });
    expect(bad.status).toBe(400);
  });
});

describe("errors in OpenAI's envelope", () => {
  async function expectError(r: Response, status: number, param: string | null, text?: string) {
    expect(r.status).toBe(status);
    const body = (await r.json()) as {
      error: { message: string; type: string; param: string | null; code: string | null };
    };
    expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
    expect(body.error.param).toBe(param);
    if (text) expect(body.error.message).toContain(text);
    return body.error;
  }

  test("token arrays → 400 naming input, saying they are not supported", async () => {
    await expectError(await post("/v1/embeddings", { model: "e3", input: [1, 2, 3] }), 400, "input", "token arrays");
    await expectError(
      await post("/v1/embeddings", {
        model: "e3",
        input: [
          [1, 2],
          [3, 4],
        ],
      }),
      400,
      "input",
      "token arrays",
    );
  });

  test("an empty array or empty text → 400 naming input", async () => {
    await expectError(await post("/v1/embeddings", { model: "e3", input: [] }), 400, "input", "empty");
    await expectError(await post("/v1/embeddings", { model: "e3", input: "" }), 400, "input", "empty");
    await expectError(await post("/v1/embeddings", { model: "e3", input: ["ok", ""] }), 400, "input", "input[1]");
  });

  test("missing or mistyped input → 400 naming input", async () => {
    await expectError(await post("/v1/embeddings", { model: "e3" }), 400, "input");
    // The array is of the right kind: its first item is what is wrong.
    await expectError(await post("/v1/embeddings", { model: "e3", input: [{ text: "x" }] }), 400, "input[0]");
    await expectError(await post("/v1/embeddings", { model: "e3", input: 42 }), 400, "input");
  });

  test("dimensions on a v3 model, or a size v4 does not offer → 400 naming dimensions", async () => {
    await expectError(
      await post("/v1/embeddings", { model: "e3", input: "x", dimensions: 1024 }),
      400,
      "dimensions",
      "cohere.embed-v4",
    );
    await expectError(
      await post("/v1/embeddings", { model: "e4", input: "x", dimensions: 768 }),
      400,
      "dimensions",
      "256, 512, 1024, 1536",
    );
    await expectError(await post("/v1/embeddings", { model: "e4", input: "x", dimensions: 0 }), 400, "dimensions");
    await expectError(await post("/v1/embeddings", { model: "e4", input: "x", dimensions: 256.5 }), 400, "dimensions");
  });

  test("bad encoding_format, input_type or truncate → 400 naming it", async () => {
    await expectError(
      await post("/v1/embeddings", { model: "e3", input: "x", encoding_format: "int8" }),
      400,
      "encoding_format",
      "float, base64",
    );
    await expectError(
      await post("/v1/embeddings", { model: "e3", input: "x", input_type: "image" }),
      400,
      "input_type",
    );
    await expectError(await post("/v1/embeddings", { model: "e3", input: "x", truncate: "END" }), 400, "truncate");
  });

  test("no model on /v1/embeddings → 400 naming model", async () => {
    await expectError(await post("/v1/embeddings", { input: "x" }), 400, "model");
  });

  test("unknown alias → 404 model_not_found, in the body and in the path", async () => {
    expect((await expectError(await post("/v1/embeddings", { model: "nope", input: "x" }), 404, "model")).code).toBe(
      "model_not_found",
    );
    expect((await expectError(await post("/genai/nope/v1/embeddings", { input: "x" }), 404, "model")).code).toBe(
      "model_not_found",
    );
  });

  test("an OCI model name on /v1/embeddings → 404 (no alias to lend region and compartment)", async () => {
    const e = await expectError(
      await post("/v1/embeddings", { model: "cohere.embed-multilingual-v3.0", input: "x" }),
      404,
      "model",
    );
    expect(e.code).toBe("model_not_found");
  });

  test("an agent alias → 400", async () => {
    await expectError(await post("/v1/embeddings", { model: "my-agent", input: "x" }), 400, "model", "agent");
    await expectError(await post("/genai/my-agent/v1/embeddings", { input: "x" }), 400, null, "agent");
  });

  test("malformed JSON → 400, never Elysia's raw body", async () => {
    const r = await call("/v1/embeddings", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    await expectError(r, 400, null);
  });
});

describe("OpenAPI document", () => {
  test("both routes are documented under the openai tag", async () => {
    const doc = (await (await call("/openapi.json")).json()) as {
      paths: Record<string, { post?: { tags?: string[]; summary?: string } }>;
    };
    for (const p of ["/v1/embeddings", "/genai/{alias}/v1/embeddings"]) {
      const op = doc.paths[p]?.post;
      expect(op).toBeDefined();
      expect(op!.tags).toEqual(["openai"]);
      expect(op!.summary).toContain("Embeddings");
    }
  });
});
