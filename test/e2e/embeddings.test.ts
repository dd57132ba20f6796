/**
 * Embeddings on the real path: the product (from source) signs embedText calls with oci-common and
 * sends them to the fake OCI, which verifies every signature and answers deterministic vectors.
 * The client is the official `openai` npm package (CONTRACT §4 "Embeddings", OCI-WIRE §4.1).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { deterministicEmbedding, type FakeOci, type RecordedRequest, wordCount } from "../support/fake-oci";
import { COMPARTMENT, type Gateway, startGateway, testModels } from "../support/gateway";
import { signedFakeOci } from "../support/signed-fake-oci";

const PATH_COMPARTMENT = "ocid1.compartment.oc1..aaaapathalias";
let fake: FakeOci;
let gw: Gateway;

beforeAll(async () => {
  let dir: string;
  ({ fake, dir } = await signedFakeOci(
    testModels({
      embed: { id: "cohere.embed-multilingual-v3.0", region: "us-chicago-1", compartmentId: COMPARTMENT },
      embed4: { id: "cohere.embed-v4.0", region: "us-chicago-1", compartmentId: COMPARTMENT },
      chatbot: { id: "openai.gpt-5", region: "us-chicago-1", compartmentId: PATH_COMPARTMENT },
    }),
  ));
  gw = await startGateway({
    args: ["--config-dir", dir],
    env: { OCI_INFERENCE_ENDPOINT: fake.url, API_KEY: "emb-key" },
  });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
});

const client = (path = "/v1") => new OpenAI({ baseURL: gw.url + path, apiKey: "emb-key", maxRetries: 0 });
const failure = (p: PromiseLike<unknown>): Promise<unknown> =>
  Promise.resolve(p).then(
    () => new Error("expected a rejection"),
    (e: unknown) => e,
  );
const bodyOf = (r: RecordedRequest) =>
  r.body as {
    inputs: string[];
    compartmentId: string;
    servingMode: Record<string, string>;
    inputType?: string;
    outputDimensions?: number;
  };
const decode = (b64: string) => {
  const buf = Buffer.from(b64, "base64");
  return Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4));
};
const texts = (n: number) => Array.from({ length: n }, (_, i) => `document ${i} about OCI ${i % 7}`);

describe("openai SDK embeddings.create through the fake OCI", () => {
  test("200 inputs → 3 signed embedText calls of ≤96, 200 embeddings in input order, usage summed", async () => {
    fake.clear();
    const input = texts(200);
    // No encoding_format: the SDK asks for base64 and decodes it to floats itself.
    const r = await client().embeddings.create({ model: "embed", input });
    const calls = fake.requestsFor("embedText");
    expect(calls).toHaveLength(3);
    for (const c of calls) {
      expect(c.signatureOk).toBe(true);
      expect(bodyOf(c).inputs.length).toBeLessThanOrEqual(96);
      expect(bodyOf(c).servingMode).toEqual({ servingType: "ON_DEMAND", modelId: "cohere.embed-multilingual-v3.0" });
      expect(bodyOf(c).compartmentId).toBe(COMPARTMENT);
      expect(bodyOf(c).inputType).toBe("SEARCH_DOCUMENT");
    }
    // Calls run concurrently and may arrive in any order; together they are the input, in slices.
    const slices = calls.map((c) => bodyOf(c).inputs).sort((a, b) => input.indexOf(a[0]!) - input.indexOf(b[0]!));
    expect(slices.flat()).toEqual(input);

    expect(r.model).toBe("embed");
    expect(r.data).toHaveLength(200);
    r.data.forEach((d, i) => {
      expect(d.index).toBe(i);
      expect(d.embedding).toEqual(deterministicEmbedding(input[i]!, 1024).map(Math.fround));
    });
    const words = input.reduce((n, t) => n + wordCount(t), 0);
    expect(r.usage).toEqual({ prompt_tokens: words, total_tokens: words });
  });

  test("encoding_format float is exact; base64 decodes to the same floats", async () => {
    const input = ["alpha beta", "gamma"];
    const f = await client().embeddings.create({ model: "embed", input, encoding_format: "float" });
    f.data.forEach((d, i) => {
      expect(d.embedding).toEqual(deterministicEmbedding(input[i]!, 1024));
    });
    const b = await client().embeddings.create({ model: "embed", input, encoding_format: "base64" });
    b.data.forEach((d, i) => {
      // With an explicit encoding_format the SDK hands the string back untouched.
      expect(typeof d.embedding).toBe("string");
      expect(decode(d.embedding as unknown as string)).toEqual((f.data[i]!.embedding as number[]).map(Math.fround));
    });
  });

  test("path form with an OCI model name sends that modelId with the path alias's compartment", async () => {
    fake.clear();
    const r = await client("/genai/chatbot/v1").embeddings.create({
      model: "cohere.embed-multilingual-v3.0",
      input: "Texto para embedding",
      encoding_format: "float",
    });
    const [c] = fake.requestsFor("embedText");
    expect(c!.signatureOk).toBe(true);
    expect(bodyOf(c!).servingMode).toEqual({ servingType: "ON_DEMAND", modelId: "cohere.embed-multilingual-v3.0" });
    expect(bodyOf(c!).compartmentId).toBe(PATH_COMPARTMENT);
    expect(r.model).toBe("cohere.embed-multilingual-v3.0");
    expect(r.data[0]!.embedding).toEqual(deterministicEmbedding("Texto para embedding", 1024));
  });

  test("dimensions on embed-v4 → outputDimensions on the wire and vectors of that size", async () => {
    fake.clear();
    const r = await client().embeddings.create({
      model: "embed4",
      input: "x",
      dimensions: 512,
      encoding_format: "float",
    });
    expect(bodyOf(fake.requestsFor("embedText")[0]!).outputDimensions).toBe(512);
    expect(r.data[0]!.embedding).toHaveLength(512);
  });

  test("x-oci-request-id names OCI's request ids", async () => {
    fake.clear();
    const res = await fetch(`${gw.url}/v1/embeddings`, {
      method: "POST",
      headers: { authorization: "Bearer emb-key", "content-type": "application/json" },
      body: JSON.stringify({ model: "embed", input: texts(100) }),
    });
    expect(res.status).toBe(200);
    const ids = fake.requestsFor("embedText").map((c) => c.requestId);
    expect(ids).toHaveLength(2);
    expect(res.headers.get("x-oci-request-id")!.split(", ").sort()).toEqual([...ids].sort());
  });

  test("OCI's 400 reaches the client with OCI's message; a malformed OCI answer is a 502", async () => {
    fake.clear();
    fake.script("embedText", {
      error: { status: 400, code: "InvalidParameter", message: "inputs too long for this model" },
    });
    const e = await failure(client().embeddings.create({ model: "embed", input: "x" }));
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("inputs too long for this model");

    fake.script("embedText", { json: { embeddings: [[0.1, 0.2]], usage: { promptTokens: 2, totalTokens: 2 } } });
    const bad = await failure(client().embeddings.create({ model: "embed", input: ["one", "two"] }));
    expect(bad).toBeInstanceOf(OpenAI.APIError);
    expect((bad as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
  });

  test("token arrays are refused before anything reaches OCI", async () => {
    fake.clear();
    const e = await failure(client().embeddings.create({ model: "embed", input: [[1, 2, 3]] }));
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("input");
    expect(fake.requestsFor("embedText")).toHaveLength(0);
  });
});
