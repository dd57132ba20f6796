/**
 * Limits (issue 6): MAX_CONCURRENT_PER_KEY caps costly calls in flight per API key (429 at once,
 * not queued, slot back when the answer is over); an alias's `max_tokens_limit` caps the output.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Gateway } from "../support/gateway";
import { waitUntil } from "../support/wait";
import { chatBody, ev, FINISH, genericAnswer, makeRig, metricValue, post, type Rig, readSse } from "./support";

const KEY_A = "sk-limits-aaaaaaaaaaaa";
const KEY_B = "sk-limits-bbbbbbbbbbbb";

let rig: Rig;
let gw: Gateway;

beforeAll(async () => {
  rig = await makeRig();
  gw = await rig.gateway(
    { API_KEYS: `${KEY_A},${KEY_B}`, MAX_CONCURRENT_PER_KEY: "2", UPSTREAM_TIMEOUT_SECONDS: "10" },
    {
      capped: {
        id: "meta.llama-3.3-70b-instruct",
        region: "us-chicago-1",
        compartmentId: "ocid1.compartment.oc1..aaaatestcompartment",
        params: { max_tokens_limit: 100 },
      },
    },
  );
});
afterAll(async () => {
  await rig?.stopAll();
});

const as = (key: string) => ({ authorization: `Bearer ${key}` });

/**
 * Waits until no request is in progress but the /metrics call asking (ocigenai_active_requests
 * counts itself): a call's slot is freed in the same step that ends it.
 */
const idle = () =>
  waitUntil(
    async () => {
      const text = await (await fetch(`${gw.url}/metrics`, { headers: as(KEY_B) })).text();
      return metricValue(text, "ocigenai_active_requests") <= 1;
    },
    1000,
    "no request in progress",
  );

describe("MAX_CONCURRENT_PER_KEY=2", () => {
  test("a 3rd concurrent costly call gets 429 while two slow ones run; after they finish a new one succeeds", async () => {
    rig.fake.clear();
    rig.fake.script("chat", { json: genericAnswer("slow one"), delayMs: 1500 }, { times: 2 });
    const one = post(gw, "/v1/chat/completions", chatBody("first"), as(KEY_A));
    const two = post(gw, "/genai/llama/inference", { prompt: "second" }, as(KEY_A));
    await rig.fake.waitFor(() => rig.fake.requestsFor("chat").length === 2, 3000);

    const started = performance.now();
    const third = await post(gw, "/v1/chat/completions", chatBody("third"), as(KEY_A));
    expect(third.status).toBe(429);
    expect(performance.now() - started).toBeLessThan(500); // refused at once, not queued
    const body = await third.json();
    expect(body.error.type).toBe("rate_limit_error");
    expect(third.headers.get("retry-after")).toBeTruthy();
    // Other keys are not limited by A's calls; free routes are never limited.
    expect((await post(gw, "/v1/chat/completions", chatBody("other key"), as(KEY_B))).status).toBe(200);
    expect((await fetch(`${gw.url}/v1/models`, { headers: as(KEY_A) })).status).toBe(200);
    expect(rig.fake.requestsFor("chat")).toHaveLength(3); // A's third never reached OCI

    const [r1, r2] = await Promise.all([one, two]);
    expect(r1.status).toBe(200);
    expect(r2.status).toBe(200);
    const after = await post(gw, "/v1/chat/completions", chatBody("after"), as(KEY_A));
    expect(after.status).toBe(200);
  });

  test("a slot is held by an open stream until it closes, and freed by a failed call", async () => {
    rig.fake.clear();
    rig.fake.script("chat", { sse: [ev(""), ev("a"), ev("b"), ev("c"), FINISH], gapMs: 300, done: true }, { times: 2 });
    const s1 = await post(gw, "/v1/chat/completions", chatBody("s1", { stream: true }), as(KEY_A));
    const s2 = await post(gw, "/v1/chat/completions", chatBody("s2", { stream: true }), as(KEY_A));
    expect([s1.status, s2.status]).toEqual([200, 200]);
    expect((await post(gw, "/v1/chat/completions", chatBody("s3"), as(KEY_A))).status).toBe(429);
    const [r1, r2] = await Promise.all([readSse(s1), readSse(s2)]);
    expect(r1.events.at(-1)).toBe("[DONE]");
    expect(r2.events.at(-1)).toBe("[DONE]");
    // The slots come back when the streams close, just after [DONE] reached the client.
    await idle();
    // Failed calls give their slot back too.
    for (let i = 0; i < 3; i++) {
      rig.fake.script("chat", { error: { status: 400, code: "InvalidParameter", message: "no" } });
      expect((await post(gw, "/v1/chat/completions", chatBody(`fail ${i}`), as(KEY_A))).status).toBe(400);
    }
    expect((await post(gw, "/v1/chat/completions", chatBody("after streams"), as(KEY_A))).status).toBe(200);
  });

  test("a client that leaves gives its slot back", async () => {
    rig.fake.clear();
    rig.fake.script("chat", { json: {}, delayMs: 5000 }, { times: 2 });
    const ctrls = [new AbortController(), new AbortController()];
    const pending = ctrls.map((c, i) =>
      post(gw, "/v1/chat/completions", chatBody(`leaver ${i}`), as(KEY_A), c.signal).catch(() => undefined),
    );
    await rig.fake.waitFor(() => rig.fake.requestsFor("chat").length === 2, 3000);
    for (const c of ctrls) c.abort();
    await Promise.all(pending);
    await rig.fake.waitFor(() => rig.fake.requestsFor("chat").every((r) => r.abortedAt !== undefined), 2000);
    await idle(); // the gateway has finished with both calls: their slots are free
    expect((await post(gw, "/v1/chat/completions", chatBody("after leavers"), as(KEY_A))).status).toBe(200);
  });
});

describe("max_tokens_limit", () => {
  test("a larger max_tokens is 400 naming max_tokens; at the limit it goes through", async () => {
    rig.fake.clear();
    const over = await post(
      gw,
      "/v1/chat/completions",
      { ...chatBody("long", { max_tokens: 101 }), model: "capped" },
      as(KEY_B),
    );
    expect(over.status).toBe(400);
    const body = await over.json();
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.param).toBe("max_tokens");
    expect(body.error.message).toContain("max_tokens");

    const overCompletion = await post(
      gw,
      "/genai/capped/v1/chat/completions",
      chatBody("long", { max_completion_tokens: 5000 }),
      as(KEY_B),
    );
    expect(overCompletion.status).toBe(400);
    expect((await overCompletion.json()).error.param).toBe("max_completion_tokens");

    const direct = await post(gw, "/genai/capped/inference", { prompt: "long", max_tokens: 101 }, as(KEY_B));
    expect(direct.status).toBe(400);
    expect((await direct.json()).error).toContain("max_tokens");
    expect(rig.fake.requests).toHaveLength(0);

    const at = await post(
      gw,
      "/v1/chat/completions",
      { ...chatBody("ok", { max_tokens: 100 }), model: "capped" },
      as(KEY_B),
    );
    expect(at.status).toBe(200);
    const sent = rig.fake.requestsFor("chat")[0]!.body as { chatRequest: { maxTokens?: number } };
    expect(sent.chatRequest.maxTokens).toBe(100);
  });

  test("without a max_tokens in the request, the alias limit bounds the default", async () => {
    rig.fake.clear();
    expect((await post(gw, "/genai/capped/v1/chat/completions", chatBody("default"), as(KEY_B))).status).toBe(200);
    const sent = rig.fake.requestsFor("chat")[0]!.body as { chatRequest: { maxTokens?: number } };
    expect(sent.chatRequest.maxTokens).toBeLessThanOrEqual(100);
  });
});
