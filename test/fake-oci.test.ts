/**
 * Tests of the fake OCI server itself: it must accept what the real SDK sends (signatures,
 * paths, bodies), answer what the real SDK parses, and reject what OCI would reject.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COHERE_JOKE_REQUEST } from "./support/cohere-joke-request";
import { type FakeOci, fixturePath, readChunks, readFixtureJson, startFakeOci } from "./support/fake-oci";
import { generateTestKeyPair, makeTestCredentials, type TestCredentials } from "./support/keys";
import { sdkFailure } from "./support/oci-sdk";

// Read by every oci-common copy at module load (OCI-WIRE.md §0.3, §0.5, §0.6): set them
// before the SDK is imported, hence the dynamic imports below.
process.env.OCI_SDK_DEFAULT_RETRY_ENABLED = "false";
process.env.OCI_SDK_DEFAULT_CIRCUITBREAKER_ENABLED = "false";
const common = await import("oci-common");
const { GenerativeAiInferenceClient } = await import("oci-generativeaiinference");
const { GenerativeAiAgentRuntimeClient } = await import("oci-generativeaiagentruntime");
const { GenerativeAiClient } = await import("oci-generativeai");

type Json = Record<string, unknown>;

let dir: string;
let creds: TestCredentials;
let fake: FakeOci;
let provider: InstanceType<typeof common.SimpleAuthenticationDetailsProvider>;
let inference: InstanceType<typeof GenerativeAiInferenceClient>;

function makeProvider(privateKeyPem = creds.privateKeyPem, fingerprint = creds.fingerprint) {
  return new common.SimpleAuthenticationDetailsProvider(
    creds.tenancy,
    creds.user,
    fingerprint,
    privateKeyPem,
    null,
    common.Region.US_CHICAGO_1,
  );
}

/** fetch() signed by oci-common's real DefaultRequestSigner; `sendBody` lets a test tamper after signing. */
async function signedFetch(
  method: string,
  path: string,
  opts: {
    body?: string;
    sendBody?: string;
    xDate?: string;
    privateKeyPem?: string;
    fingerprint?: string;
    headers?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<Response> {
  const uri = fake.url + path;
  const headers = new Headers(opts.headers);
  if (opts.xDate) headers.set("x-date", opts.xDate);
  const signer = new common.DefaultRequestSigner(makeProvider(opts.privateKeyPem, opts.fingerprint));
  await signer.signHttpRequest({ method: method as "POST", uri, headers, body: opts.body });
  return fetch(uri, { method, headers, body: opts.sendBody ?? opts.body, signal: opts.signal });
}

/** Minimal SSE reader: yields each event's data (joined data: lines), `[DONE]` included. */
async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of body) {
    buf += decoder.decode(chunk, { stream: true });
    for (let m = /\r?\n\r?\n/.exec(buf); m; m = /\r?\n\r?\n/.exec(buf)) {
      const raw = buf.slice(0, m.index);
      buf = buf.slice(m.index + m[0].length);
      const data = raw
        .split(/\r?\n/)
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).replace(/^ /, ""))
        .join("\n");
      if (data) yield data;
    }
  }
}

async function collect(body: ReadableStream<Uint8Array>): Promise<{ events: Json[]; done: boolean }> {
  const events: Json[] = [];
  let done = false;
  for await (const data of sseData(body)) {
    if (data === "[DONE]") done = true;
    else events.push(JSON.parse(data) as Json);
  }
  return { events, done };
}

const chatDetails = (chatRequest: Json, modelId = "meta.llama-3.3-70b-instruct") => ({
  compartmentId: "ocid1.compartment.oc1..aaaatest",
  servingMode: { servingType: "ON_DEMAND", modelId },
  chatRequest: chatRequest as { apiFormat: string },
});

const userMessage = (text: string) => ({ role: "USER", content: [{ type: "TEXT", text }] });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fake-oci-test-"));
  creds = await makeTestCredentials(dir);
  fake = await startFakeOci({ keys: [creds] });
  provider = makeProvider();
  inference = new GenerativeAiInferenceClient({ authenticationDetailsProvider: provider });
  inference.endpoint = fake.url; // after construction: the constructor sets the region endpoint
});

afterAll(async () => {
  inference?.close();
  await fake?.stop();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => fake.clear());

describe("test credentials", () => {
  test("config file, key file and fingerprint agree", async () => {
    const sub = await makeTestCredentials(join(dir, "rel"), {
      relativeKeyFile: true,
      profile: "OTHER",
      region: "eu-frankfurt-1",
    });
    const conf = await readFile(sub.configPath, "utf8");
    expect(conf).toContain("[OTHER]");
    expect(conf).toContain("key_file=oci_api_key.pem");
    expect(conf).toContain("region=eu-frankfurt-1");
    expect(conf).toContain(`fingerprint=${sub.fingerprint}`);
    expect(sub.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    expect(sub.keyId).toBe(`${sub.tenancy}/${sub.user}/${sub.fingerprint}`);
    expect(await readFile(sub.keyFile, "utf8")).toBe(sub.privateKeyPem);
    const headerless = await makeTestCredentials(join(dir, "nohdr"), { headerless: true });
    expect(await readFile(headerless.configPath, "utf8")).not.toContain("[");

    // oci-common's own config reader accepts the file and yields the same keyId.
    const fromFile = new common.ConfigFileAuthenticationDetailsProvider(creds.configPath, "DEFAULT");
    expect(await fromFile.getKeyId()).toBe(creds.keyId);
  });
});

describe("real SDK against the fake", () => {
  test("GENERIC chat, non-stream: signature verified, §2.3 shape parsed", async () => {
    const res = await inference.chat({
      chatDetails: chatDetails({
        apiFormat: "GENERIC",
        messages: [userMessage("be brief"), userMessage("hello there")],
      }),
      opcRequestId: "MYREQUESTID",
    });
    expect(res && "chatResult" in res).toBe(true);
    if (!res || !("chatResult" in res)) throw new Error("expected a ChatResponse");
    const [req] = fake.requests;
    expect(req!.signatureOk).toBe(true);
    expect(req!.path).toBe("/20231130/actions/chat");
    expect(req!.op).toBe("chat");
    expect(res.opcRequestId).toStartWith("MYREQUESTID/");
    const result = res.chatResult as unknown as Json;
    expect(result.modelId).toBe("meta.llama-3.3-70b-instruct");
    expect(result.modelVersion).toBe("1.0.0");
    const chat = result.chatResponse as Json;
    expect(chat.apiFormat).toBe("GENERIC");
    expect(typeof chat.timeCreated).toBe("string");
    expect(chat.choices).toEqual([
      {
        index: 0,
        message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "Echo: hello there" }], toolCalls: [] },
        finishReason: "stop",
        logprobs: {},
      },
    ]);
    expect(chat.usage).toEqual({ completionTokens: 3, promptTokens: 4, totalTokens: 7 });
  });

  test("GENERIC chat, stream: §3.2 events, usage only when asked, [DONE]", async () => {
    for (const isIncludeUsage of [true, false]) {
      const res = await inference.chat({
        chatDetails: chatDetails({
          apiFormat: "GENERIC",
          messages: [userMessage("hello streaming world")],
          isStream: true,
          streamOptions: { isIncludeUsage },
        }),
      });
      expect(res instanceof ReadableStream).toBe(true);
      const { events, done } = await collect(res as ReadableStream<Uint8Array>);
      expect(done).toBe(true);
      expect(fake.requests.at(-1)!.signatureOk).toBe(true);
      for (const e of events) expect(e.pad).toMatch(/^a+$/);
      expect(events[0]).toMatchObject({
        index: 0,
        message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "" }] },
      });
      const finishAt = events.findIndex((e) => e.finishReason !== undefined);
      const finish = events[finishAt]!;
      expect(finish.finishReason).toBe("stop");
      expect("index" in finish).toBe(false);
      const deltas = events.slice(1, finishAt).map((e) => ((e.message as Json).content as Json[])[0]!.text);
      expect(deltas).toEqual(["Echo:", " hello", " streaming", " world"]);
      const tail = events.slice(finishAt + 1);
      if (isIncludeUsage)
        expect(tail).toMatchObject([{ usage: { completionTokens: 4, promptTokens: 3, totalTokens: 7 } }]);
      else expect(tail).toEqual([]);
    }
  });

  test("COHERE chat, non-stream and stream (§2.5, §3.3)", async () => {
    const res = await inference.chat({ chatDetails: chatDetails(COHERE_JOKE_REQUEST, "cohere.command-a-03-2025") });
    if (!res || !("chatResult" in res)) throw new Error("expected a ChatResponse");
    const chat = (res.chatResult as unknown as Json).chatResponse as Json;
    expect(chat).toMatchObject({ apiFormat: "COHERE", text: "Echo: Tell me a joke", finishReason: "COMPLETE" });
    expect(chat.usage).toEqual({ completionTokens: 5, promptTokens: 2 + 1 + 1 + 4, totalTokens: 13 });
    expect((chat.chatHistory as Json[]).at(-1)).toEqual({ role: "CHATBOT", message: "Echo: Tell me a joke" });

    const stream = await inference.chat({
      chatDetails: chatDetails({ ...COHERE_JOKE_REQUEST, isStream: true }, "cohere.command-a-03-2025"),
    });
    const { events, done } = await collect(stream as ReadableStream<Uint8Array>);
    expect(done).toBe(false); // COHERE streams end without [DONE]
    const final = events.at(-1)!;
    expect(final).toMatchObject({ apiFormat: "COHERE", finishReason: "COMPLETE", usage: { completionTokens: 5 } });
    expect(
      events
        .slice(0, -1)
        .map((e) => e.text)
        .join(""),
    ).toBe(final.text as string);
  });

  test("embedText: one deterministic vector per input, per-model dimension", async () => {
    const embed = (modelId: string, extra: Json = {}) =>
      inference.embedText({
        embedTextDetails: {
          inputs: ["alpha beta", "gamma"],
          servingMode: { servingType: "ON_DEMAND", modelId },
          compartmentId: "ocid1.compartment.oc1..aaaatest",
          ...extra,
        },
      });
    const v4 = (await embed("cohere.embed-v4.0")).embedTextResult;
    expect(v4.embeddings.map((e) => e.length)).toEqual([1536, 1536]);
    expect(v4.usage).toEqual({ completionTokens: 0, promptTokens: 3, totalTokens: 3 } as typeof v4.usage);
    expect(v4.modelId).toBe("cohere.embed-v4.0");
    expect((await embed("cohere.embed-v4.0", { outputDimensions: 256 })).embedTextResult.embeddings[0]!.length).toBe(
      256,
    );
    expect((await embed("cohere.embed-english-v3.0")).embedTextResult.embeddings[0]!.length).toBe(1024);
    expect((await embed("cohere.embed-english-light-v3.0")).embedTextResult.embeddings[0]!.length).toBe(384);
    const again = (await embed("cohere.embed-v4.0")).embedTextResult;
    expect(again.embeddings).toEqual(v4.embeddings);
    expect(v4.embeddings[0]).not.toEqual(v4.embeddings[1]);
    expect(fake.requests.every((r) => r.signatureOk)).toBe(true);
  });

  test("getModel (control plane): vendor from the configurable map", async () => {
    const client = new GenerativeAiClient({ authenticationDetailsProvider: provider });
    client.endpoint = fake.url;
    try {
      fake.modelVendors["ocid1.generativeaimodel.oc1.us-chicago-1.amaaaacohere"] = "cohere";
      const cohere = await client.getModel({ modelId: "ocid1.generativeaimodel.oc1.us-chicago-1.amaaaacohere" });
      expect(cohere.model.vendor).toBe("cohere");
      expect(cohere.model.lifecycleState).toBe("ACTIVE" as typeof cohere.model.lifecycleState);
      const other = await client.getModel({ modelId: "ocid1.generativeaimodel.oc1.us-chicago-1.amaaaaother" });
      expect(other.model.vendor).toBe("meta");
      expect(fake.requests.map((r) => [r.method, r.op, r.signatureOk])).toEqual([
        ["GET", "getModel", true],
        ["GET", "getModel", true],
      ]);
    } finally {
      client.close();
    }
  });

  test("agent runtime: sessions, turn counting, 404 after delete, streaming", async () => {
    const agent = new GenerativeAiAgentRuntimeClient({ authenticationDetailsProvider: provider });
    agent.endpoint = fake.url;
    const agentEndpointId = "ocid1.genaiagentendpoint.oc1.us-chicago-1.amaaaatest";
    try {
      const created = await agent.createSession({ agentEndpointId, createSessionDetails: { displayName: "d" } });
      const sessionId = created.session.id;
      expect(sessionId).toMatch(/^ocid1\.genaiagentsession\.oc1\./);
      expect(created.session.displayName).toBe("d");
      expect(created.etag).toBeTruthy();
      expect((await agent.getSession({ agentEndpointId, sessionId })).session.id).toBe(sessionId);

      const say = async (text: string) => {
        const r = await agent.chat({
          agentEndpointId,
          chatDetails: { userMessage: text, sessionId, shouldStream: false },
        });
        if (!r || !("chatResult" in r)) throw new Error("expected a ChatResponse");
        return r.chatResult.message!.content!.text;
      };
      expect(await say("hi")).toBe("turn 1: hi");
      expect(await say("again")).toBe("turn 2: again");

      const stream = await agent.chat({
        agentEndpointId,
        chatDetails: { userMessage: "streamed now", sessionId, shouldStream: true },
      });
      const { events } = await collect(stream as ReadableStream<Uint8Array>);
      const final = events.at(-1)!.message as { content: { text: string; citations: unknown[] } };
      expect(final.content).toEqual({ text: "turn 3: streamed now", citations: [] });
      const deltas = events.slice(0, -1).map((e) => (e.message as { content: { text: string } }).content.text);
      expect(deltas.join("")).toBe("turn 3: streamed now");

      await agent.deleteSession({ agentEndpointId, sessionId });
      const err = await sdkFailure(agent.chat({ agentEndpointId, chatDetails: { userMessage: "x", sessionId } }));
      expect(err).toMatchObject({ statusCode: 404, serviceCode: "NotAuthorizedOrNotFound" });
      const err2 = await sdkFailure(agent.getSession({ agentEndpointId, sessionId }));
      expect(err2).toMatchObject({ statusCode: 404, serviceCode: "NotAuthorizedOrNotFound" });
      expect(fake.requests.every((r) => r.signatureOk)).toBe(true);
      expect(fake.requests.map((r) => r.op)).toEqual([
        "createSession",
        "getSession",
        "agentChat",
        "agentChat",
        "agentChat",
        "deleteSession",
        "agentChat",
        "getSession",
      ]);
    } finally {
      agent.close();
    }
  });

  test("scripted OCI error surfaces as OciError with code and opc-request-id", async () => {
    fake.script("chat", {
      error: { status: 400, code: "400", message: "Invalid 'maxTokens'. Use 'maxCompletionTokens' instead." },
    });
    const err = await sdkFailure(
      inference.chat({ chatDetails: chatDetails({ apiFormat: "GENERIC", messages: [userMessage("x")] }) }),
    );
    expect(err).toMatchObject({ statusCode: 400, serviceCode: "400", opcRequestId: fake.requests[0]!.requestId });
    expect((err as Error).message).toContain("maxCompletionTokens");
    expect(fake.pendingScripts("chat")).toBe(0);
  });

  test("SDK stream cancel is seen by the fake as a client abort", async () => {
    fake.script("chat", { sse: Array.from({ length: 50 }, (_, i) => ({ index: 0, n: i })), gapMs: 50 });
    const res = (await inference.chat({
      chatDetails: chatDetails({ apiFormat: "GENERIC", messages: [userMessage("x")], isStream: true }),
    })) as ReadableStream<Uint8Array>;
    const reader = res.getReader();
    await reader.read();
    await reader.cancel();
    await fake.waitFor(() => fake.streams[0]?.clientAborted === true, 1000);
    expect(fake.streams[0]!.eventsSent).toBeLessThan(50);
  });
});

describe("signature verification", () => {
  const body = JSON.stringify({
    compartmentId: "c",
    servingMode: { servingType: "ON_DEMAND", modelId: "m" },
    chatRequest: { apiFormat: "GENERIC", messages: [] },
  });

  async function expect401(res: Response, why: RegExp) {
    expect(res.status).toBe(401);
    expect(res.headers.get("opc-request-id")).toMatch(/^[0-9A-F]{32}\/[0-9A-F]{12}$/);
    const json = (await res.json()) as Json;
    expect(json.code).toBe("NotAuthenticated");
    expect(json.message).toMatch(why);
    const rec = fake.requests.at(-1)!;
    expect(rec.signatureOk).toBe(false);
    expect(rec.signatureError).toMatch(why);
    expect(rec.status).toBe(401);
  }

  test("a correctly signed raw request passes", async () => {
    const res = await signedFetch("POST", "/20231130/actions/chat", { body });
    expect(res.status).toBe(200);
    expect(fake.requests[0]!.signatureOk).toBe(true);
  });

  test("tampered body (same length) → 401", async () => {
    const tampered = body.replace('"m"', '"n"');
    expect(tampered.length).toBe(body.length);
    await expect401(
      await signedFetch("POST", "/20231130/actions/chat", { body, sendBody: tampered }),
      /x-content-sha256/,
    );
  });

  test("wrong private key for the keyId → 401", async () => {
    const other = generateTestKeyPair();
    await expect401(
      await signedFetch("POST", "/20231130/actions/chat", { body, privateKeyPem: other.privateKeyPem }),
      /Signature does not match/,
    );
  });

  test("unknown keyId → 401", async () => {
    const other = generateTestKeyPair();
    await expect401(
      await signedFetch("GET", "/20231130/models/x", {
        privateKeyPem: other.privateKeyPem,
        fingerprint: other.fingerprint,
      }),
      /Unknown keyId/,
    );
  });

  test("x-date older than 5 minutes → 401", async () => {
    const old = new Date(Date.now() - 6 * 60 * 1000).toUTCString();
    await expect401(await signedFetch("POST", "/20231130/actions/chat", { body, xDate: old }), /skew/);
  });

  test("no Authorization header → 401, still recorded", async () => {
    await expect401(await fetch(`${fake.url}/20231130/actions/chat`, { method: "POST", body }), /Authorization/);
    expect(fake.requests[0]!.rawBody).toBe(body);
    expect(fake.requests[0]!.body).toEqual(JSON.parse(body));
  });

  test("body headers must be signed on POST", async () => {
    const uri = `${fake.url}/20231130/actions/chat`;
    const headers = new Headers();
    // forceExcludeBody: sign only x-date, (request-target) and host, as for a GET.
    await new common.DefaultRequestSigner(makeProvider()).signHttpRequest({ method: "POST", uri, headers, body }, true);
    await expect401(await fetch(uri, { method: "POST", headers, body }), /Signed headers missing: content-type/);
  });

  test("key found by the fingerprint part of the keyId", async () => {
    const alt = await startFakeOci({
      keys: [
        {
          keyId: `ocid1.tenancy.oc1..other/ocid1.user.oc1..other/${creds.fingerprint}`,
          publicKeyPem: creds.publicKeyPem,
        },
      ],
    });
    try {
      const client = new GenerativeAiInferenceClient({ authenticationDetailsProvider: provider });
      client.endpoint = alt.url;
      await client.chat({ chatDetails: chatDetails({ apiFormat: "GENERIC", messages: [userMessage("x")] }) });
      client.close();
      expect(alt.requests[0]!.signatureOk).toBe(true);
    } finally {
      await alt.stop();
    }
  });
});

describe("scripting and transport", () => {
  test("scripts are FIFO per op, honour times, then fall back to the default", async () => {
    fake.script("getModel", { json: { id: "first" } });
    fake.script("getModel", (req) => ({ json: { id: "second", path: req.path } }), { times: 2 });
    const ids: unknown[] = [];
    for (let i = 0; i < 4; i++)
      ids.push(((await (await signedFetch("GET", `/20231130/models/m${i}`)).json()) as Json).id);
    expect(ids).toEqual(["first", "second", "second", "m3"]);
    fake.script("getModel", { json: { id: "sticky" } }, { times: Infinity });
    for (let i = 0; i < 3; i++)
      expect(((await (await signedFetch("GET", "/20231130/models/z")).json()) as Json).id).toBe("sticky");
    expect(fake.pendingScripts("getModel")).toBe(1);
    fake.clear();
    expect(fake.pendingScripts("getModel")).toBe(0);
  });

  test("failNext: the next N calls of the ops fail as asked, before scripts; then all is as before", async () => {
    const body = JSON.stringify(chatDetails({ apiFormat: "GENERIC", messages: [userMessage("hi")] }));
    fake.script("chat", { json: { scripted: true } });
    fake.failNext(2, { status: 429, retryAfter: "7" });
    fake.failNext(1, { status: 503, code: "Custom" }, ["chat"]);
    expect(fake.pendingFailures()).toBe(3);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await signedFetch("POST", "/20231130/actions/chat", { body }));
    expect(answers.map((r) => r.status)).toEqual([429, 429, 503, 200]);
    expect(answers[0]!.headers.get("retry-after")).toBe("7");
    expect(((await answers[0]!.json()) as Json).code).toBe("TooManyRequests");
    expect(((await answers[2]!.json()) as Json).code).toBe("Custom");
    expect(((await answers[3]!.json()) as Json).scripted).toBe(true);
    // Other ops are not counted.
    fake.failNext(1, { status: 500 }, ["embedText"]);
    expect((await signedFetch("GET", "/20231130/models/x")).status).toBe(200);
    expect(fake.pendingFailures()).toBe(1);
    fake.clear();
    expect(fake.pendingFailures()).toBe(0);
  });

  test("failNext reset cuts the connection inside the first event; hang answers nothing until the client leaves", async () => {
    const body = JSON.stringify(chatDetails({ apiFormat: "GENERIC", messages: [userMessage("hi")] }));
    fake.failNext(1, "reset");
    const cut = await signedFetch("POST", "/20231130/actions/chat", { body });
    expect(cut.status).toBe(200);
    expect(cut.text()).rejects.toThrow();
    fake.failNext(1, "hang");
    const gone = new AbortController();
    const pending = signedFetch("POST", "/20231130/actions/chat", { body, signal: gone.signal }).catch((e) => e);
    await fake.waitFor(() => fake.requestsFor("chat").length === 2);
    await Bun.sleep(100);
    gone.abort();
    expect(await pending).toBeInstanceOf(Error);
    await fake.waitFor(() => fake.requestsFor("chat")[1]!.abortedAt !== undefined);
  });

  test("a script that throws becomes a 500 InternalServerError", async () => {
    fake.script("getModel", () => {
      throw new Error("boom");
    });
    const res = await signedFetch("GET", "/20231130/models/x");
    expect(res.status).toBe(500);
    expect(((await res.json()) as Json).code).toBe("InternalServerError");
  });

  test("opc-request-id: the client's (or a generated upper-case hex one), then the fake's own part", async () => {
    const echoed = await signedFetch("GET", "/20231130/models/x", { headers: { "opc-request-id": "ABC-123" } });
    expect(echoed.headers.get("opc-request-id")).toMatch(/^ABC-123\/[0-9A-F]{12}$/);
    const again = await signedFetch("GET", "/20231130/models/x", { headers: { "opc-request-id": "ABC-123" } });
    expect(again.headers.get("opc-request-id")).not.toBe(echoed.headers.get("opc-request-id"));
    const generated = await signedFetch("GET", "/20231130/models/x");
    expect(generated.headers.get("opc-request-id")).toMatch(/^[0-9A-F]{32}\/[0-9A-F]{12}$/);
  });

  test("unknown path → 404 NotFound", async () => {
    const res = await signedFetch("GET", "/20231130/nothing/here?x=1");
    expect(res.status).toBe(404);
    expect(((await res.json()) as Json).code).toBe("NotFound");
    expect(fake.requests[0]).toMatchObject({ op: "notFound", path: "/20231130/nothing/here?x=1", signatureOk: true });
  });

  test("default stream content-type is exactly text/event-stream", async () => {
    const res = await signedFetch("POST", "/20231130/actions/chat", {
      body: JSON.stringify(chatDetails({ apiFormat: "GENERIC", messages: [userMessage("hi")], isStream: true })),
    });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const text = await res.text();
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(fake.streams[0]).toMatchObject({ clientAborted: false, eventsSent: 5 });
    expect(fake.streams[0]!.closedAt).toBeNumber();
  });

  test("sse gapMs: the second event arrives at least gapMs after the first", async () => {
    const gapMs = 200;
    fake.script("chat", { sse: [{ n: 1 }, { n: 2 }], gapMs, done: true });
    // Timed from before the request: the client may read the first event late (a busy test
    // process), which shortens the gap it sees between arrivals, but nothing can make the second
    // event arrive sooner than gapMs after the request was sent.
    const sent = performance.now();
    const res = await signedFetch("POST", "/20231130/actions/chat", { body: "{}" });
    const arrivals: number[] = [];
    for await (const _ of sseData(res.body!)) arrivals.push(performance.now() - sent);
    expect(arrivals).toHaveLength(3);
    expect(arrivals[0]!).toBeLessThan(gapMs / 2); // the first event is not held back
    expect(arrivals[1]!).toBeGreaterThanOrEqual(gapMs); // the second waits the whole gap
  });

  test("sse strings are written raw (CRLF, split frames)", async () => {
    const frames = ['data: {"a":\r\n', "data: 1}\r\n\r\n", "data: [DONE]\n\n"];
    fake.script("chat", { sse: frames, headers: { "x-extra": "1" } });
    const res = await signedFetch("POST", "/20231130/actions/chat", { body: "{}" });
    expect(res.headers.get("x-extra")).toBe("1");
    expect(await res.text()).toBe(frames.join(""));
  });

  test("a cancelled stream is recorded as clientAborted within 1 s", async () => {
    fake.script("chat", { sse: Array.from({ length: 20 }, (_, i) => ({ i })), gapMs: 100 });
    const res = await signedFetch("POST", "/20231130/actions/chat", { body: "{}" });
    const reader = res.body!.getReader();
    await reader.read();
    const cancelledAt = Date.now();
    await reader.cancel();
    await fake.waitFor(() => fake.streams[0]?.clientAborted === true, 1000);
    expect(fake.streams[0]!.closedAt! - cancelledAt).toBeLessThan(1000);
    expect(fake.streams[0]!.eventsSent).toBeLessThan(20);
  });

  test("hanging stream stays open until the client leaves", async () => {
    fake.script("chat", { sse: [{ a: 1 }], end: "hang" });
    const res = await signedFetch("POST", "/20231130/actions/chat", { body: "{}" });
    const reader = res.body!.getReader();
    await reader.read();
    await Bun.sleep(100); // proves an absence: a stream that ended on its own would be closed by now
    expect(fake.streams[0]!.closedAt).toBeUndefined();
    await reader.cancel();
    await fake.waitFor(() => fake.streams[0]!.clientAborted);
  });

  test("end: error breaks the body mid-transfer", async () => {
    fake.script("chat", { sse: [{ a: 1 }], end: "error" });
    const res = await signedFetch("POST", "/20231130/actions/chat", { body: "{}" });
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: {"a":1}\n\n');
    const err = await reader.read().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeDefined();
  });

  test("delayed JSON reply: client abort recorded as abortedAt", async () => {
    fake.script("getModel", { json: { id: "late" }, delayMs: 1000 });
    const ac = new AbortController();
    const uri = `${fake.url}/20231130/models/slow`;
    const headers = new Headers();
    await new common.DefaultRequestSigner(provider).signHttpRequest({ method: "GET", uri, headers });
    const pending = fetch(uri, { headers, signal: ac.signal }).catch((e: unknown) => e);
    await fake.waitFor(() => fake.requests.length === 1);
    ac.abort();
    await pending;
    await fake.waitFor(() => fake.requests[0]!.abortedAt !== undefined, 1000);
  });

  test("chunksFile replays a fixture event by event", async () => {
    fake.script("chat", { chunksFile: "generic-tool-call.chunks.txt" });
    const res = await signedFetch("POST", "/20231130/actions/chat", { body: "{}" });
    const expected = readChunks("generic-tool-call.chunks.txt")
      .map((e) => `${e}\n\n`)
      .join("");
    expect(await res.text()).toBe(expected);
    expect(fake.streams[0]!.eventsSent).toBe(readChunks("generic-tool-call.chunks.txt").length);
  });

  test("raw replies send arbitrary bytes and headers", async () => {
    fake.script("chat", { raw: "data: {}\n\n", headers: { "content-type": "text/event-stream; charset=utf-8" } });
    const res = await signedFetch("POST", "/20231130/actions/chat", { body: "{}" });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(await res.text()).toBe("data: {}\n\n");
  });

  test("stop() ends hanging streams", async () => {
    const f = await startFakeOci({ keys: [creds] });
    f.script("chat", { sse: [{ a: 1 }], end: "hang" });
    const uri = `${f.url}/20231130/actions/chat`;
    const headers = new Headers();
    await new common.DefaultRequestSigner(provider).signHttpRequest({ method: "POST", uri, headers, body: "{}" });
    const res = await fetch(uri, { method: "POST", headers, body: "{}" });
    const reading = res.text().catch(() => "broken");
    await f.waitFor(() => f.streams[0]?.eventsSent === 1);
    const t0 = Date.now();
    await f.stop();
    await reading;
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe("fixtures are self-consistent", () => {
  const parse = (name: string) => {
    const events = readChunks(name);
    expect(events.length).toBeGreaterThan(1);
    for (const e of events) expect(e).toMatch(/^data: /);
    const done = events.at(-1) === "data: [DONE]";
    const payloads = (done ? events.slice(0, -1) : events).map((e) => JSON.parse(e.slice(6)) as Json);
    for (const p of payloads) expect(p.pad).toMatch(/^a+$/);
    return { payloads, done };
  };
  type GenericEvent = {
    index?: number;
    message?: { content?: { text: string }[]; toolCalls?: Json[] };
    finishReason?: string;
    usage?: Json;
  };

  test("generic-text: deltas, finish without index, usage, [DONE], same text as the JSON", () => {
    const { payloads, done } = parse("generic-text.chunks.txt");
    expect(done).toBe(true);
    const events = payloads as GenericEvent[];
    const finishAt = events.findIndex((e) => e.finishReason);
    expect(events[finishAt]!.finishReason).toBe("stop");
    expect(events[finishAt]!.index).toBeUndefined();
    expect(events.slice(finishAt + 1)).toMatchObject([{ usage: {} }]);
    const text = events
      .slice(0, finishAt)
      .map((e) => e.message!.content![0]!.text)
      .join("");
    const json = readFixtureJson<{
      chatResponse: { choices: { message: { content: { text: string }[] } }[]; usage: Json };
    }>("generic-text.json");
    expect(json.chatResponse.choices[0]!.message.content[0]!.text).toBe(text);
    expect(events[finishAt + 1]!.usage).toEqual(json.chatResponse.usage);
  });

  test("generic-tool-call: fragments concatenate to valid JSON arguments", () => {
    const events = parse("generic-tool-call.chunks.txt").payloads as GenericEvent[];
    const calls = events.flatMap((e) => e.message?.toolCalls ?? []);
    expect(calls[0]).toMatchObject({ id: expect.any(String), name: "get_weather" });
    const args = calls.map((c) => (c.arguments as string | undefined) ?? "").join("");
    expect(JSON.parse(args)).toEqual({ city: "Paris", unit: "celsius" });
    expect(events.find((e) => e.finishReason)!.finishReason).toBe("tool_calls");
  });

  test("generic-parallel-tools: two complete calls, one per event", () => {
    const events = parse("generic-parallel-tools.chunks.txt").payloads as GenericEvent[];
    const withCalls = events.filter((e) => e.message?.toolCalls?.length);
    expect(withCalls).toHaveLength(2);
    for (const e of withCalls) {
      const [call] = e.message!.toolCalls!;
      expect(call).toMatchObject({ type: "FUNCTION", id: expect.any(String), name: "get_weather" });
      expect(JSON.parse(call!.arguments as string)).toHaveProperty("city");
    }
  });

  test("cohere text and tool call: final text repeats the deltas; no [DONE]", async () => {
    for (const name of ["cohere-text.chunks.txt", "cohere-tool-call.chunks.txt"]) {
      const { payloads, done } = parse(name);
      expect(done).toBe(false);
      const final = payloads.at(-1)!;
      expect(final).toMatchObject({ apiFormat: "COHERE", finishReason: "COMPLETE", usage: {} });
      const deltas = payloads
        .slice(0, -1)
        .filter((p) => typeof p.text === "string")
        .map((p) => p.text)
        .join("");
      expect(deltas).toBe(final.text as string);
    }
    const json = readFixtureJson<{ chatResponse: { text: string } }>("cohere-text.json");
    expect(json.chatResponse.text).toBe(parse("cohere-text.chunks.txt").payloads.at(-1)!.text as string);
    expect(fixturePath("cohere-text.json")).toContain("test/fixtures/oci");
  });
});
