/**
 * Auth and exposure (issue 6): every bad key gets the same 401, and nothing secret or private
 * ever reaches the gateway's output — not the API key, not OCI signatures, not the PEM, not
 * the prompts — at the default log level, across real signed OCI calls.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Gateway } from "../support/gateway";
import { waitUntil } from "../support/wait";
import { chatBody, ev, FINISH, makeRig, post, type Rig, readSse } from "./support";

const KEY = "sk-faults-7f3a9c1e5b2d4f6a8c0e";
const MARKER = "ZEBRA-PROMPT-MARKER-4471";

let rig: Rig;
let gw: Gateway;

beforeAll(async () => {
  rig = await makeRig();
  // LOG_LEVEL empty → the product's default (info).
  gw = await rig.gateway({ API_KEY: KEY, LOG_LEVEL: "" });
});
afterAll(async () => {
  await rig?.stopAll();
});

const auth = { authorization: `Bearer ${KEY}` };

describe("401s", () => {
  const wrong: Array<[string, Record<string, string>]> = [
    ["Bearer alone", { authorization: "Bearer" }],
    ["Bearer and spaces", { authorization: "Bearer    " }],
    ["Basic credentials", { authorization: "Basic eHh4Onl5eQ==" }],
    ["wrong key, same length", { authorization: `Bearer ${KEY.slice(0, -1)}${KEY.endsWith("x") ? "y" : "x"}` }],
    ["wrong key, shorter", { authorization: "Bearer sk-short" }],
    ["wrong key, much longer", { authorization: `Bearer ${KEY}${"0".repeat(500)}` }],
    ["the key with a prefix", { authorization: `Bearer x${KEY}` }],
    ["wrong X-API-Key", { "x-api-key": "sk-faults-nope" }],
    ["lower-case scheme, wrong key", { authorization: `bearer ${KEY}0` }],
  ];

  async function answer(path: string, headers: Record<string, string>, body?: unknown) {
    const res = await fetch(gw.url + path, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, www: res.headers.get("www-authenticate"), text: await res.text() };
  }

  for (const [path, body] of [
    ["/v1/chat/completions", chatBody("x")],
    ["/v1/models", undefined],
    ["/genai/llama/inference", { prompt: "x" }],
    ["/metrics", undefined],
  ] as Array<[string, unknown]>) {
    test(`${path}: missing, malformed and wrong keys → 401 + WWW-Authenticate: Bearer, one body for every wrong key`, async () => {
      rig.fake.clear();
      const missing = await answer(path, {}, body);
      expect(missing.status).toBe(401);
      expect(missing.www).toBe("Bearer");
      expect(missing.text).toContain("Missing API key");

      const bodies = new Set<string>();
      for (const [name, headers] of wrong) {
        const r = await answer(path, headers, body);
        expect({ name, status: r.status, www: r.www }).toEqual({ name, status: 401, www: "Bearer" });
        expect(r.text).not.toContain(KEY);
        bodies.add(r.text);
      }
      // Nothing in the body tells one wrong key from another (no length hint, no request id).
      expect([...bodies]).toHaveLength(1);
      expect([...bodies][0]).toContain("Invalid API key");
      expect(rig.fake.requests).toHaveLength(0);
      // And the right key works.
      const ok = await answer(path, auth, body);
      expect(ok.status).toBe(200);
    });
  }

  test("/health never needs a key", async () => {
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
  });
});

describe("nothing secret in the logs", () => {
  test("a run with prompts, keys and real signed OCI calls leaves no key, signature, PEM or prompt in stdout+stderr", async () => {
    rig.fake.clear();
    const ask = (extra: Record<string, unknown> = {}, headers: Record<string, string> = auth) =>
      post(gw, "/v1/chat/completions", chatBody(`tell me about ${MARKER}`, extra), headers);

    // Plain, streamed, direct, embeddings, completions.
    expect((await ask()).status).toBe(200);
    const s = await ask({ stream: true, stream_options: { include_usage: true } });
    expect((await readSse(s)).events.at(-1)).toBe("[DONE]");
    expect((await post(gw, "/genai/llama/inference", { prompt: `seed ${MARKER}` }, auth)).status).toBe(200);
    expect((await post(gw, "/genai/llama/inference", { prompt: `seed ${MARKER}`, stream: true }, auth)).status).toBe(
      200,
    );
    expect((await post(gw, "/v1/completions", { model: "llama", prompt: `complete ${MARKER}` }, auth)).status).toBe(
      200,
    );
    // Retries (warn lines), an OCI refusal, a broken stream, an upstream deadline-free failure.
    rig.fake.script("chat", { error: { status: 503, code: "ServiceUnavailable", message: "busy" } }, { times: 2 });
    expect((await ask()).status).toBe(200);
    rig.fake.script("chat", { error: { status: 400, code: "InvalidParameter", message: "bad thing" } });
    expect((await ask()).status).toBe(400);
    rig.fake.script("chat", { sse: [ev(""), ev(`echo ${MARKER}`)], end: "error" });
    await readSse(await ask({ stream: true }));
    rig.fake.script("chat", { sse: [ev(""), ev("x"), "data: {broken\n\n", FINISH], done: true });
    await readSse(await ask({ stream: true }));
    // Client errors that carry the prompt: bad JSON, a wrong type, a wrong key on a prompt.
    expect(
      (
        await post(
          gw,
          "/v1/chat/completions",
          `{"model": "llama", "messages": [{"role": "user", "content": "${MARKER}"`,
          auth,
        )
      ).status,
    ).toBe(400);
    expect((await ask({ temperature: MARKER })).status).toBe(400);
    expect((await ask({ model: MARKER })).status).toBe(404);
    expect((await ask({}, { authorization: `Bearer ${KEY}-wrong` })).status).toBe(401);
    expect((await ask({}, { "x-api-key": KEY })).status).toBe(200);

    const signed = rig.fake.requestsFor("chat");
    expect(signed.length).toBeGreaterThanOrEqual(8);
    expect(signed.every((r) => r.signatureOk)).toBe(true);
    const signatures = signed
      .map((r) => /signature="([^"]+)"/.exec(r.headers.authorization ?? "")?.[1])
      .filter((x): x is string => Boolean(x));
    expect(signatures.length).toBe(signed.length);

    // Every request above has written its line (a stream's when it closed): the output is complete.
    const requestLines = () =>
      gw
        .output()
        .split("\n")
        .filter((l) => l.includes('"msg":"request"')).length;
    await waitUntil(() => requestLines() >= 14, 3000, "14 access log lines");
    const out = gw.output();
    // The run did log (one line per request), so silence is not what makes this pass.
    expect(requestLines()).toBeGreaterThanOrEqual(14);

    const leaks: string[] = [];
    const check = (what: string, needle: string) => {
      if (needle && out.includes(needle)) leaks.push(what);
    };
    check("API key", KEY);
    check("wrong key as presented", `${KEY}-wrong`);
    check("prompt marker", MARKER);
    check("BEGIN (PEM)", "BEGIN");
    check("PRIVATE KEY (PEM)", "PRIVATE KEY");
    for (const line of rig.creds.privateKeyPem
      .split("\n")
      .filter((l) => l.length > 40)
      .slice(0, 5))
      check("PEM body line", line);
    check("signature= (Authorization header)", "signature=");
    check("Signature header", "Signature version=");
    for (const sig of signatures) check("an OCI signature value", sig.slice(0, 40));
    expect(leaks).toEqual([]);
  });
});
