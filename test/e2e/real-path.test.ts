/**
 * The real OCI path end to end: the product (from source) signs with oci-common and sends with
 * fetch to the fake OCI server, which verifies every signature with the test key's public half.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type FakeOci, startFakeOci } from "../support/fake-oci";
import { COMPARTMENT, type Gateway, startGateway, tempDir, writeModels } from "../support/gateway";
import { makeTestCredentials } from "../support/keys";
import { signedFakeOci } from "../support/signed-fake-oci";

let fake: FakeOci;
let gw: Gateway;

beforeAll(async () => {
  let dir: string;
  ({ fake, dir } = await signedFakeOci());
  gw = await startGateway({ args: ["--config-dir", dir], env: { OCI_INFERENCE_ENDPOINT: fake.url, API_KEY: "k1" } });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
});

const headers = { authorization: "Bearer k1", "content-type": "application/json" };
const post = (path: string, body: unknown, extra: Record<string, string> = {}) =>
  fetch(gw.url + path, { method: "POST", headers: { ...headers, ...extra }, body: JSON.stringify(body) });

/** Each event with its arrival time and, when given, what `sample` read at that moment. */
async function readSse(
  res: Response,
  sample: () => number = () => Number.NaN,
): Promise<{ events: string[]; times: number[]; samples: number[] }> {
  const events: string[] = [];
  const times: number[] = [];
  const samples: number[] = [];
  const dec = new TextDecoder();
  let buf = "";
  for await (const chunk of res.body!) {
    buf += dec.decode(chunk, { stream: true });
    for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
      const frame = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (frame.startsWith("data: ")) {
        events.push(frame.slice(6));
        times.push(performance.now());
        samples.push(sample());
      }
    }
  }
  return { events, times, samples };
}

describe("signed chat through the fake OCI", () => {
  test("non-streaming chat is signed, mapped both ways, and carries OCI's request id", async () => {
    fake.clear();
    const res = await post(
      "/v1/chat/completions",
      {
        model: "llama",
        messages: [
          { role: "system", content: "Be brief." },
          {
            role: "user",
            content: [
              { type: "text", text: "Hello world" },
              { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
            ],
          },
        ],
        temperature: 0.3,
        stop: "END",
        seed: 7,
      },
      { "x-request-id": "rid-42" },
    );
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.object).toBe("chat.completion");
    expect(body.model).toBe("llama");
    expect(body.choices[0].message).toEqual({ role: "assistant", content: "Echo: Hello world" });
    expect(body.choices[0].finish_reason).toBe("stop");
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
    const [rec] = fake.requestsFor("chat");
    expect(rec!.signatureOk).toBe(true);
    expect(rec!.headers["opc-request-id"]).toBe("rid-42");
    expect(res.headers.get("x-oci-request-id")).toBe(rec!.requestId);
    expect(res.headers.get("x-request-id")).toBe("rid-42");
    expect(rec!.body).toEqual({
      compartmentId: COMPARTMENT,
      servingMode: { servingType: "ON_DEMAND", modelId: "meta.llama-3.3-70b-instruct" },
      chatRequest: {
        apiFormat: "GENERIC",
        messages: [
          { role: "SYSTEM", content: [{ type: "TEXT", text: "Be brief." }] },
          {
            role: "USER",
            content: [
              { type: "TEXT", text: "Hello world" },
              { type: "IMAGE", imageUrl: { url: "data:image/png;base64,AAAA", detail: "LOW" } },
            ],
          },
        ],
        temperature: 0.3,
        seed: 7,
        stop: ["END"],
        maxTokens: 2048,
        isStream: false,
      },
    });
  });

  test("openai.* models get maxCompletionTokens; alias params apply under the request", async () => {
    fake.clear();
    expect(
      (
        await post("/genai/gpt5/v1/chat/completions", {
          model: "placeholder",
          messages: [{ role: "user", content: "x" }],
          max_tokens: 50,
        })
      ).status,
    ).toBe(200);
    const gpt = fake.requestsFor("chat")[0]!.body as { chatRequest: Record<string, unknown> };
    expect(gpt.chatRequest.maxCompletionTokens).toBe(50);
    expect(gpt.chatRequest.maxTokens).toBeUndefined();
    expect(gpt.chatRequest.reasoningEffort).toBe("LOW");
    fake.clear();
    expect(
      (
        await post("/v1/chat/completions", {
          model: "warm",
          messages: [{ role: "user", content: "x" }],
          temperature: 1.1,
        })
      ).status,
    ).toBe(200);
    const warm = fake.requestsFor("chat")[0]!.body as { chatRequest: Record<string, unknown> };
    expect(warm.chatRequest.temperature).toBe(1.1);
    expect(warm.chatRequest.maxTokens).toBe(77);
  });

  test("a dedicated endpoint OCID is sent as DEDICATED serving", async () => {
    fake.clear();
    expect(
      (await post("/v1/chat/completions", { model: "dedicated", messages: [{ role: "user", content: "x" }] })).status,
    ).toBe(200);
    const body = fake.requestsFor("chat")[0]!.body as { servingMode: unknown };
    expect(body.servingMode).toEqual({
      servingType: "DEDICATED",
      endpointId: "ocid1.generativeaiendpoint.oc1.us-chicago-1.aaaadedicated",
    });
  });

  test("unknown alias never reaches OCI", async () => {
    fake.clear();
    const res = await post("/v1/chat/completions", { model: "ghost", messages: [{ role: "user", content: "x" }] });
    expect(res.status).toBe(404);
    expect(fake.requests.length).toBe(0);
  });

  test("a recorded GENERIC stream is replayed as OpenAI chunks, [DONE] last", async () => {
    fake.clear();
    fake.script("chat", { chunksFile: "generic-text.chunks.txt" });
    const res = await post(
      "/v1/chat/completions",
      {
        model: "llama",
        messages: [{ role: "user", content: "joke" }],
        stream: true,
        stream_options: { include_usage: true },
      },
      { origin: "https://app.example", "x-request-id": "client-chose-this" },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    // The stream's Response is built with every header the request gathered (CORS, ids).
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-expose-headers")).toContain("x-oci-request-id");
    expect(res.headers.get("x-request-id")).toBe("client-chose-this");
    expect(res.headers.get("x-oci-request-id")).toBe(fake.requestsFor("chat")[0]!.requestId);
    const { events } = await readSse(res);
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
    const recorded = (await Bun.file("test/fixtures/oci/generic-text.chunks.txt").text())
      .split("\n")
      .filter((l) => l.startsWith("data: {"))
      .map((l) => JSON.parse(l.slice(6)))
      .map((e) => (e.finishReason ? "" : (e.message?.content ?? []).map((p: { text: string }) => p.text).join("")))
      .join("");
    expect(text).toBe(recorded);
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finish.choices[0].finish_reason).toBe("stop");
    const usage = chunks.at(-1);
    expect(usage.choices).toEqual([]);
    expect(usage.usage.total_tokens).toBeGreaterThan(0);
    expect(fake.requestsFor("chat")[0]!.signatureOk).toBe(true);
  });

  test("streaming really streams: first delta long before the last", async () => {
    fake.clear();
    const ev = (text: string) => ({
      index: 0,
      message: { role: "ASSISTANT", content: [{ type: "TEXT", text }] },
      pad: "aaa",
    });
    fake.script("chat", {
      sse: [
        ev(""),
        ev("one"),
        ev(" two"),
        ev(" three"),
        ev(" four"),
        { message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "" }] }, finishReason: "stop", pad: "a" },
      ],
      gapMs: 200,
      done: true,
    });
    const started = performance.now();
    const res = await post("/v1/chat/completions", {
      model: "llama",
      messages: [{ role: "user", content: "count" }],
      stream: true,
    });
    // The fake runs in this process: how many events it had written when each delta arrived.
    const { events, times, samples } = await readSse(res, () => fake.streams[0]?.eventsSent ?? 0);
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    const firstContent = chunks.findIndex((c) => c.choices[0]?.delta?.content === "one");
    const lastContent = chunks.findIndex((c) => c.choices[0]?.delta?.content === " four");
    expect(firstContent).toBeGreaterThan(0);
    // Causal, whatever the machine's load: "one" (OCI's 2nd event) reached the client before OCI
    // had written its 5th (" four"), 600 ms later; a gateway that buffered would deliver it after all 6.
    expect(samples[firstContent]!).toBeLessThan(5);
    // And spread in time as OCI spread them (600 ms nominal; a buffered answer arrives at once).
    // Margin: 200 ms, since under the whole suite the first delta was once seen ~100 ms late.
    expect(times[lastContent]! - times[firstContent]!).toBeGreaterThanOrEqual(400);
    expect(times[firstContent]! - started).toBeLessThan(times[lastContent]! - started - 400);
    expect(events.at(-1)).toBe("[DONE]");
  });

  test("client disconnect mid-stream closes the upstream connection within 1 s", async () => {
    fake.clear();
    const ev = (text: string) => ({ index: 0, message: { role: "ASSISTANT", content: [{ type: "TEXT", text }] } });
    fake.script("chat", { sse: Array.from({ length: 50 }, (_, i) => ev(`w${i} `)), gapMs: 100, end: "hang" });
    const res = await post("/v1/chat/completions", {
      model: "llama",
      messages: [{ role: "user", content: "long" }],
      stream: true,
    });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.read();
    const abortedAt = Date.now(); // the fake records wall-clock times
    await reader.cancel();
    await fake.waitFor(() => fake.streams.some((s) => s.clientAborted), 1000);
    const s = fake.streams.find((x) => x.clientAborted)!;
    expect(s.eventsSent).toBeLessThan(50);
    expect(s.closedAt! - abortedAt).toBeLessThan(1000);
  });

  test("a failure after the first byte is an error event and no [DONE]", async () => {
    fake.clear();
    fake.script("chat", {
      sse: [
        { index: 0, message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "partial" }] } },
        "data: {not json\n\n",
      ],
      done: true,
    });
    const res = await post("/v1/chat/completions", {
      model: "llama",
      messages: [{ role: "user", content: "x" }],
      stream: true,
    });
    expect(res.status).toBe(200);
    const { events } = await readSse(res);
    expect(events).not.toContain("[DONE]");
    const last = JSON.parse(events.at(-1)!);
    expect(last.error.type).toBe("upstream_error");
    expect(last.error.code).toBe("bad_upstream_response");
  });

  test("/v1/completions runs as one chat turn, streamed and not", async () => {
    fake.clear();
    const r = await post("/v1/completions", { model: "llama", prompt: "Say hi" });
    const body = await r.json();
    expect(body.object).toBe("text_completion");
    expect(body.choices[0].text).toBe("Echo: Say hi");
    expect((fake.requestsFor("chat")[0]!.body as { chatRequest: { messages: unknown } }).chatRequest.messages).toEqual([
      { role: "USER", content: [{ type: "TEXT", text: "Say hi" }] },
    ]);
    const s = await post("/genai/llama/v1/completions", { prompt: "Say hi", stream: true });
    const { events } = await readSse(s);
    expect(events.at(-1)).toBe("[DONE]");
    const text = events
      .slice(0, -1)
      .map((e) => JSON.parse(e))
      .map((c) => c.choices[0]?.text ?? "")
      .join("");
    expect(text).toBe("Echo: Say hi");
  });

  test("/v1/completions with a prompt array: one OCI call per prompt, every OCI request id named", async () => {
    fake.clear();
    const r = await post("/v1/completions", { model: "llama", prompt: ["one", "two", "three"] });
    expect(r.status).toBe(200);
    expect((await r.json()).choices.map((c: { text: string }) => c.text)).toEqual([
      "Echo: one",
      "Echo: two",
      "Echo: three",
    ]);
    const ids = fake.requestsFor("chat").map((q) => q.requestId);
    expect(ids).toHaveLength(3);
    expect(r.headers.get("x-oci-request-id")!.split(", ").sort()).toEqual([...ids].sort());
  });
});

describe("OCI errors are mapped at one choke point (CONTRACT §5)", () => {
  const cases: Array<[number, string, number, string]> = [
    [400, "400", 400, "invalid_request_error"],
    [401, "NotAuthenticated", 502, "upstream_error"],
    [404, "NotAuthorizedOrNotFound", 404, "not_found_error"],
    [409, "Conflict", 409, "conflict_error"],
    [429, "TooManyRequests", 429, "rate_limit_error"],
    [500, "InternalServerError", 502, "upstream_error"],
    [503, "ServiceUnavailable", 503, "service_unavailable"],
  ];
  test.each(cases)("OCI %d %s → %d %s, OCI's message and request id kept", async (status, code, expected, type) => {
    fake.clear();
    // Throttling and 5xx are retried twice (the policy): OCI keeps failing on every attempt here.
    // A Retry-After over 10 s is not waited out: the 429 goes back with it at once.
    const retried = [500, 503].includes(status);
    fake.script(
      "chat",
      {
        error: { status, code, message: `oci says ${status}` },
        headers: status === 429 ? { "retry-after": "30" } : {},
      },
      { times: retried ? 3 : 1 },
    );
    const res = await post("/v1/chat/completions", { model: "llama", messages: [{ role: "user", content: "x" }] });
    expect(res.status).toBe(expected);
    const body = await res.json();
    expect(body.error.type).toBe(type);
    expect(body.error.message).toContain(`oci says ${status}`);
    if (status === 401) expect(body.error.message).toContain("credentials.conf");
    if (status === 429) expect(res.headers.get("retry-after")).toBe("30");
    expect(fake.requestsFor("chat")).toHaveLength(retried ? 3 : 1);
    expect(res.headers.get("x-oci-request-id")).toBe(fake.requestsFor("chat").at(-1)!.requestId);
  });

  test("a streaming request refused by OCI gets a plain HTTP error, not a 200 stream", async () => {
    fake.clear();
    fake.script("chat", {
      error: { status: 400, code: "400", message: "Invalid 'maxTokens'. Use 'maxCompletionTokens' instead." },
    });
    const res = await post("/v1/chat/completions", {
      model: "llama",
      messages: [{ role: "user", content: "x" }],
      stream: true,
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain("maxCompletionTokens");
  });

  test("an OCI body we cannot read → 502, never a crash", async () => {
    fake.clear();
    fake.script("chat", { raw: "<html>gateway timeout</html>", headers: { "content-type": "text/html" } });
    const res = await post("/v1/chat/completions", { model: "llama", messages: [{ role: "user", content: "x" }] });
    expect(res.status).toBe(502);
    fake.script("chat", { json: { modelId: "x", chatResponse: { apiFormat: "GENERIC", choices: "nope" } } });
    const res2 = await post("/v1/chat/completions", { model: "llama", messages: [{ role: "user", content: "x" }] });
    expect(res2.status).toBe(502);
    expect((await res2.json()).error.code).toBe("bad_upstream_response");
    // OCI did answer: its request id is named for a support case, as on every error from OCI.
    expect(res2.headers.get("x-oci-request-id")).toBe(fake.requestsFor("chat").at(-1)!.requestId);
  });
});

describe("credentials OCI rejects", () => {
  test("a key OCI does not know → 502 telling to check credentials.conf", async () => {
    const dir = tempDir();
    await makeTestCredentials(dir);
    // Same tenancy/user, but this fake only knows another key.
    const other = await startFakeOci({ keys: [] });
    writeModels(dir);
    const g = await startGateway({ args: ["--config-dir", dir], env: { OCI_INFERENCE_ENDPOINT: other.url } });
    try {
      const res = await fetch(`${g.url}/v1/chat/completions`, {
        method: "POST",
        body: JSON.stringify({ model: "llama", messages: [{ role: "user", content: "x" }] }),
      });
      expect(res.status).toBe(502);
      expect((await res.json()).error.message).toContain("credentials.conf");
      expect(other.requests[0]!.signatureOk).toBe(false);
    } finally {
      await g.stop();
      await other.stop();
    }
  });
});

describe("OCI_AUTH=resource_principal", () => {
  test("oci-common's resource-principal provider signs with the session token (keyId ST$<token>)", async () => {
    const dir = tempDir();
    const key = await makeTestCredentials(dir);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const token = `${b64({ alg: "RS256", typ: "JWT" })}.${b64({ sub: "ocid1.fnfunc.oc1..x", exp: Math.floor(Date.now() / 1000) + 3600, res_tenant: "ocid1.tenancy.oc1..x" })}.c2ln`;
    const rpFake = await startFakeOci({ keys: [{ keyId: `ST$${token}`, publicKeyPem: key.publicKeyPem }] });
    writeModels(dir);
    const g = await startGateway({
      args: ["--config-dir", dir, "--credentials", `${dir}/absent.conf`],
      env: {
        OCI_AUTH: "resource_principal",
        OCI_RESOURCE_PRINCIPAL_VERSION: "2.2",
        OCI_RESOURCE_PRINCIPAL_RPST: token,
        OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM: key.keyFile,
        OCI_RESOURCE_PRINCIPAL_REGION: "us-chicago-1",
        OCI_INFERENCE_ENDPOINT: rpFake.url,
      },
    });
    try {
      const res = await fetch(`${g.url}/v1/chat/completions`, {
        method: "POST",
        body: JSON.stringify({ model: "llama", messages: [{ role: "user", content: "x" }] }),
      });
      expect(res.status).toBe(200);
      const rec = rpFake.requestsFor("chat")[0]!;
      expect(rec.signatureOk).toBe(true);
      expect(rec.headers.authorization).toContain(`keyId="ST$${token}"`);
    } finally {
      await g.stop();
      await rpFake.stop();
    }
  });
});
