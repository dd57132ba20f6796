/**
 * The official `openai` npm client against the compiled binary: one set of tests, run in TEST_MODE
 * and on the real signed path via the fake OCI server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { BINARY_SETUP_TIMEOUT_MS, binaryDir } from "../support/binary";
import { type FakeOci, startFakeOci } from "../support/fake-oci";
import { type Gateway, startGateway } from "../support/gateway";
import { makeTestCredentials } from "../support/keys";

let testMode: Gateway;
let real: Gateway;
let fake: FakeOci;

beforeAll(async () => {
  const a = await binaryDir();
  testMode = await startGateway({ binary: a.bin, env: { TEST_MODE: "true", API_KEY: "sdk-key" } });
  const b = await binaryDir();
  const creds = await makeTestCredentials(b.dir, { relativeKeyFile: true });
  fake = await startFakeOci({ keys: [creds], streamGapMs: 5 });
  real = await startGateway({ binary: b.bin, env: { OCI_INFERENCE_ENDPOINT: fake.url, API_KEY: "sdk-key" } });
}, BINARY_SETUP_TIMEOUT_MS);
afterAll(async () => {
  await testMode?.stop();
  await real?.stop();
  await fake?.stop();
});

/** The SDK returns a lazy APIPromise; settle it into the error it rejects with. */
const failure = (p: PromiseLike<unknown>): Promise<unknown> =>
  Promise.resolve(p).then(
    () => new Error("expected a rejection"),
    (e: unknown) => e,
  );

const client = (g: Gateway, path = "/v1", apiKey = "sdk-key") =>
  new OpenAI({ baseURL: g.url + path, apiKey, maxRetries: 0 });

type ChatRequest = Record<string, unknown>;

/** The chat requests OCI received, each validly signed. */
const signedChats = (): ChatRequest[] =>
  fake.requestsFor("chat").map((r) => {
    expect(r.signatureOk).toBe(true);
    return (r.body as { chatRequest: ChatRequest }).chatRequest;
  });

/**
 * What differs between the two modes; the tests are one set, run in both. TEST_MODE simulates its
 * answers and must not call OCI; on the real path the fake OCI answers, signed.
 */
const modes = [
  {
    name: "TEST_MODE",
    gw: () => testMode,
    expected: (q: string) => `[TEST_MODE] Simulated response to: ${q}`,
    sentChat: (_stream: boolean) => expect(fake.requests).toEqual([]),
  },
  {
    name: "real path via fake OCI",
    gw: () => real,
    expected: (q: string) => `Echo: ${q}`,
    sentChat: (stream: boolean) => {
      const [req] = signedChats();
      expect(req!.apiFormat).toBe("GENERIC");
      expect(req!.isStream === true).toBe(stream);
    },
  },
];

describe.each(modes.map((m) => [m.name, m] as const))("openai SDK — %s", (_name, mode) => {
  const { gw, expected } = mode;
  beforeEach(() => fake.clear());

  test("chat.completions.create", async () => {
    const r = await client(gw()).chat.completions.create({
      model: "llama",
      messages: [{ role: "user", content: "What is OCI?" }],
    });
    expect(r.choices[0]!.message.content).toBe(expected("What is OCI?"));
    expect(r.choices[0]!.finish_reason).toBe("stop");
    expect(r.usage!.total_tokens).toBeGreaterThan(0);
    mode.sentChat(false);
  });

  test("streamed chat assembles to the same text, with usage", async () => {
    const stream = await client(gw()).chat.completions.create({
      model: "llama",
      messages: [{ role: "user", content: "Tell me a story" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined | null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta?.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(expected("Tell me a story"));
    expect(finish).toBe("stop");
    expect(usage!.completion_tokens).toBeGreaterThan(0);
    expect(chunks).toBeGreaterThan(3);
    mode.sentChat(true);
  });

  test("models.list on /v1 and on /genai/{alias}/v1", async () => {
    const all = await client(gw()).models.list();
    expect(all.data.map((m) => m.id)).toContain("llama");
    const one = await client(gw(), "/genai/gpt5/v1").models.list();
    expect(one.data.map((m) => m.id)).toEqual(["gpt5"]);
    const m = await client(gw()).models.retrieve("my-agent");
    expect(m.id).toBe("my-agent");
  });

  test("the alias in the path wins over a placeholder model in the body", async () => {
    const r = await client(gw(), "/genai/llama/v1").chat.completions.create({
      model: "anything",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(r.model).toBe("llama");
  });

  test("errors arrive as the SDK's error classes", async () => {
    const c = client(gw());
    expect(
      await failure(c.chat.completions.create({ model: "ghost", messages: [{ role: "user", content: "x" }] })),
    ).toBeInstanceOf(OpenAI.NotFoundError);
    expect(
      await failure(
        c.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "x" }], temperature: 9 }),
      ),
    ).toBeInstanceOf(OpenAI.BadRequestError);
    expect(await failure(client(gw(), "/v1", "wrong").models.list())).toBeInstanceOf(OpenAI.AuthenticationError);
    try {
      await c.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "x" }], top_p: 3 });
      throw new Error("expected a 400");
    } catch (e) {
      expect(e).toBeInstanceOf(OpenAI.BadRequestError);
      expect((e as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("top_p");
    }
  });

  test("completions.create", async () => {
    const r = await client(gw()).completions.create({ model: "llama", prompt: "Once upon a time" });
    expect(r.choices[0]!.text).toBe(expected("Once upon a time"));
    mode.sentChat(false);
  });
});

test("an OCI throttle reaches the SDK as RateLimitError", async () => {
  fake.script("chat", {
    error: { status: 429, code: "TooManyRequests", message: "slow down" },
    headers: { "retry-after": "60" },
  });
  expect(
    await failure(client(real).chat.completions.create({ model: "llama", messages: [{ role: "user", content: "x" }] })),
  ).toBeInstanceOf(OpenAI.RateLimitError);
});
