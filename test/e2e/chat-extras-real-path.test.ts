/**
 * Web search, predicted output, service tier, metadata, audio and documents on the real path: the
 * official `openai` client → the gateway (from source) → signed requests to the fake OCI, which
 * records the wire body and verifies every signature. Also an uploaded PDF read back from the fake
 * Object Storage, and the tier OCI echoes coming back as `service_tier`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI, { toFile } from "openai";
import { genericChatResponse } from "../../src/mock/generic-chat-response";
import type { FakeOci } from "../support/fake-oci";
import { COMPARTMENT, type Gateway, startGateway, testModels } from "../support/gateway";
import { signedFakeOci } from "../support/signed-fake-oci";

let fake: FakeOci;
let gw: Gateway;
let client: OpenAI;

beforeAll(async () => {
  let dir: string;
  ({ fake, dir } = await signedFakeOci(
    testModels({ gemini: { id: "google.gemini-2.5-pro", region: "us-chicago-1", compartmentId: COMPARTMENT } }),
  ));
  gw = await startGateway({
    args: ["--config-dir", dir],
    env: {
      OCI_INFERENCE_ENDPOINT: fake.url,
      OCI_OBJECT_STORAGE_ENDPOINT: fake.url,
      GENAI_BUCKET: "uploads",
      API_KEY: "k1",
    },
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "k1", maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
});

type Rec = Record<string, unknown>;

/** The one chatRequest OCI received since the last clear, its signature checked. */
function sentChat(): Rec {
  const chats = fake.requestsFor("chat");
  expect(chats).toHaveLength(1);
  expect(chats[0]!.signatureOk).toBe(true);
  return (chats[0]!.body as { chatRequest: Rec }).chatRequest;
}

const PDF_BYTES = "%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF";
const PDF = `data:application/pdf;base64,${Buffer.from(PDF_BYTES).toString("base64")}`;

describe("the OpenAI SDK on the signed path", () => {
  test("web_search_options, prediction, service_tier and metadata are on the wire in OCI's words", async () => {
    fake.clear();
    const r = await client.chat.completions.create({
      model: "gpt5",
      messages: [{ role: "user", content: "Rewrite the file" }],
      web_search_options: {
        search_context_size: "high",
        user_location: { type: "approximate", approximate: { city: "Austin", country: "US" } },
      },
      prediction: { type: "content", content: [{ type: "text", text: "export const a = 1;" }] },
      service_tier: "priority",
      metadata: { ticket: "OPS-7", team: "infra" },
    });
    expect(r.choices[0]!.message.content).toBe("Echo: Rewrite the file");
    const wire = sentChat();
    expect(wire.webSearchOptions).toEqual({
      searchContextSize: "HIGH",
      userLocation: { city: "Austin", country: "US" },
    });
    expect(wire.prediction).toEqual({ type: "CONTENT", content: [{ type: "TEXT", text: "export const a = 1;" }] });
    expect(wire.serviceTier).toBe("PRIORITY");
    expect(wire.metadata).toEqual({ ticket: "OPS-7", team: "infra" });
  });

  test("input_audio and an inline PDF go as AUDIO and DOCUMENT content with data URLs", async () => {
    fake.clear();
    await client.chat.completions.create({
      model: "gemini",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Does the recording match the report?" },
            { type: "input_audio", input_audio: { data: "UklGRiQAAABXQVZF", format: "wav" } },
            { type: "file", file: { file_data: PDF, filename: "report.pdf" } },
          ],
        },
      ],
    });
    const wire = sentChat();
    expect((wire.messages as Rec[])[0]).toEqual({
      role: "USER",
      content: [
        { type: "TEXT", text: "Does the recording match the report?" },
        { type: "AUDIO", audioUrl: { url: "data:audio/wav;base64,UklGRiQAAABXQVZF" } },
        { type: "DOCUMENT", documentUrl: { url: PDF } },
      ],
    });
  });

  test("an uploaded PDF named by file_id is read from Object Storage and sent as DOCUMENT", async () => {
    const uploaded = await client.files.create({
      file: await toFile(Buffer.from(PDF_BYTES), "report.pdf", { type: "application/pdf" }),
      purpose: "user_data",
    });
    fake.clear();
    await client.chat.completions.create({
      model: "gemini",
      messages: [{ role: "user", content: [{ type: "file", file: { file_id: uploaded.id } }] }],
    });
    const reads = fake.requestsFor("getObject");
    expect(reads).toHaveLength(1);
    expect(reads[0]!.signatureOk).toBe(true);
    expect(((sentChat().messages as Rec[])[0]!.content as Rec[])[0]).toEqual({
      type: "DOCUMENT",
      documentUrl: { url: PDF },
    });
  });

  test("the tier OCI echoes comes back as service_tier", async () => {
    fake.clear();
    fake.script("chat", {
      json: {
        modelId: "openai.gpt-5",
        modelVersion: "1",
        chatResponse: genericChatResponse(
          { text: "ok", toolCalls: [], finishReason: "stop", serviceTier: "PRIORITY" },
          { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
        ),
      },
    });
    const r = await client.chat.completions.create({
      model: "gpt5",
      messages: [{ role: "user", content: "hi" }],
      service_tier: "priority",
    });
    expect(r.service_tier).toBe("priority");
    expect(r.choices[0]!.message.content).toBe("ok");
  });

  test("a tier OCI does not offer is refused before OCI is called, naming service_tier", async () => {
    fake.clear();
    const e = await client.chat.completions
      .create({ model: "gpt5", messages: [{ role: "user", content: "hi" }], service_tier: "flex" })
      .then(
        () => undefined,
        (x: unknown) => x,
      );
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("service_tier");
    expect(fake.requestsFor("chat")).toEqual([]);
  });

  test("OCI's own 400 for a content type a model does not take reaches the client", async () => {
    fake.clear();
    fake.script("chat", {
      error: {
        status: 400,
        code: "400",
        message: "Invalid content type DOCUMENT for model meta.llama-3.3-70b-instruct",
      },
    });
    const e = await client.chat.completions
      .create({
        model: "llama",
        messages: [{ role: "user", content: [{ type: "file", file: { file_data: PDF, filename: "r.pdf" } }] }],
      })
      .then(
        () => undefined,
        (x: unknown) => x,
      );
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e as Error).message).toContain("DOCUMENT");
    expect(((sentChat().messages as Rec[])[0]!.content as Rec[])[0]!.type).toBe("DOCUMENT");
  });
});

describe("OpenAI clients' shapes the SDK sends or expects (real path)", () => {
  const say = (index: number, text: string) => ({
    index,
    message: { role: "ASSISTANT", content: [{ type: "TEXT", text }] },
  });

  test("n: 2 streamed: the SDK's stream helper gets each choice's role and finish (OCI's finishes carry no index)", async () => {
    fake.clear();
    fake.script("chat", {
      sse: [say(0, "one"), say(1, "two"), { finishReason: "stop" }, { finishReason: "length" }],
      done: true,
    });
    const final = await client.chat.completions
      .stream({ model: "llama", n: 2, messages: [{ role: "user", content: "hi" }] })
      .finalChatCompletion();
    expect(final.choices.map((c) => [c.index, c.message.role, c.message.content, c.finish_reason])).toEqual([
      [0, "assistant", "one", "stop"],
      [1, "assistant", "two", "length"],
    ]);
    expect(sentChat().numGenerations).toBe(2);
  });

  test("null for the fields OpenAI takes as null is 'not set': 200, and nothing of it on OCI's wire", async () => {
    fake.clear();
    const r = await client.chat.completions.create({
      model: "llama",
      messages: [{ role: "user", content: "hi" }],
      temperature: null,
      top_p: null,
      max_tokens: null,
      max_completion_tokens: null,
      n: null,
      seed: null,
      frequency_penalty: null,
      presence_penalty: null,
      top_logprobs: null,
      reasoning_effort: null,
      stream: null,
    } as never);
    expect(r.choices[0]!.message.content).toContain("hi");
    const wire = sentChat();
    for (const k of [
      "temperature",
      "topP",
      "seed",
      "numGenerations",
      "frequencyPenalty",
      "presencePenalty",
      "reasoningEffort",
    ])
      expect(wire).not.toHaveProperty(k);
    expect(Object.values(wire)).not.toContain(null);
  });

  test("/v1/completions with n: 3 answers the three generations OCI made, numbered 0..2", async () => {
    fake.clear();
    fake.script("chat", {
      json: {
        modelId: "meta.llama-3.3-70b-instruct",
        modelVersion: "1",
        chatResponse: {
          apiFormat: "GENERIC",
          timeCreated: new Date().toISOString(),
          choices: ["a", "b", "c"].map((t, i) => ({ ...say(i, t), finishReason: "stop" })),
          usage: { promptTokens: 1, completionTokens: 3, totalTokens: 4 },
        },
      },
    });
    const r = await client.completions.create({ model: "llama", prompt: "hi", n: 3 });
    expect(r.choices.map((c) => [c.index, c.text])).toEqual([
      [0, "a"],
      [1, "b"],
      [2, "c"],
    ]);
    expect(r.usage?.completion_tokens).toBe(3);
  });
});
