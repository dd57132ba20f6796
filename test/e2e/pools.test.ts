/**
 * Pools on the compiled binary, on the signed path: two fake OCI servers play two regions (each
 * member's `endpoint` points at one) and fail on demand (`failNext`). Spread, failover on 429,
 * 5xx, timeouts and resets, parking, the breaker and its probe, streams (before and after their
 * first event), embeddings, every member down, the deadline, and what /ready, /metrics and the
 * log say — through OpenAI chat, Responses, Messages and the direct route.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { binaryDir } from "../support/binary";
import { type FakeOci, startFakeOci } from "../support/fake-oci";
import { COMPARTMENT, type Gateway, startGateway, tempDir, writeModels } from "../support/gateway";
import { makeTestCredentials } from "../support/keys";

const KEY = "pool-key";
const LLAMA = "meta.llama-3.3-70b-instruct";
const EMBED = "cohere.embed-english-v3.0";
let ord: FakeOci;
let fra: FakeOci;
let gw: Gateway;

beforeAll(async () => {
  const bin = (await binaryDir()).bin;
  const dir = tempDir();
  const creds = await makeTestCredentials(dir, { relativeKeyFile: true });
  ord = await startFakeOci({ keys: [creds] });
  fra = await startFakeOci({ keys: [creds] });
  const at = (fake: FakeOci, id: string, region: string) => ({
    id,
    region,
    compartmentId: COMPARTMENT,
    endpoint: fake.url,
  });
  writeModels(dir, {
    "llama-ord": at(ord, LLAMA, "us-chicago-1"),
    "llama-fra": at(fra, LLAMA, "eu-frankfurt-1"),
    "embed-ord": at(ord, EMBED, "us-chicago-1"),
    "embed-fra": at(fra, EMBED, "eu-frankfurt-1"),
    spread: { type: "pool", members: ["llama-ord", "llama-fra"] },
    primary: {
      type: "pool",
      members: ["llama-ord", "llama-fra"],
      strategy: "ordered",
      breaker: { failures: 2, open_seconds: 1 },
      attempt_timeout_seconds: 1,
    },
    busy: { type: "pool", members: ["llama-ord", "llama-fra"], strategy: "least_busy" },
    patient: { type: "pool", members: ["llama-ord", "llama-fra"], strategy: "ordered" },
    // One pool per test below, so one test's parked or open members do not steer another.
    slow: { type: "pool", members: ["llama-ord", "llama-fra"], strategy: "ordered" },
    families: { type: "pool", members: ["llama-ord", "llama-fra"], strategy: "ordered" },
    throttled: { type: "pool", members: ["llama-ord", "llama-fra"] },
    failing: { type: "pool", members: ["llama-ord", "llama-fra"] },
    embed: { type: "pool", members: ["embed-ord", "embed-fra"], strategy: "ordered" },
  });
  gw = await startGateway({
    binary: bin,
    args: ["--config-dir", dir],
    env: { API_KEY: KEY, UPSTREAM_TIMEOUT_SECONDS: "3", LOG_LEVEL: "info" },
  });
}, 120_000);
afterAll(async () => {
  await gw?.stop();
  await ord?.stop();
  await fra?.stop();
});
beforeEach(() => {
  ord.clear();
  fra.clear();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
const chat = (model: string, extra: Record<string, unknown> = {}) =>
  post("/v1/chat/completions", { model, messages: [{ role: "user", content: "hello pool" }], ...extra });
const say = (t: string) => ({ message: { role: "ASSISTANT", content: [{ type: "TEXT", text: t }] } });
const servedBy = (r: Response) => r.headers.get("x-ocigenai-served-by");
const calls = (fake: FakeOci, op = "chat") => fake.requestsFor(op).length;
const ready = async () =>
  (await (await fetch(`${gw.url}/ready`)).json()) as {
    pools: Record<string, { members: Array<{ member: string; state: string; retryInSeconds?: number }> }>;
  };
const stateOf = async (pool: string, member: string) =>
  (await ready()).pools[pool]!.members.find((m) => m.member === member)!;

describe("spreading", () => {
  test("round_robin: six requests, three per region; each answer names the pool and its member", async () => {
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await chat("spread"));
    expect(answers.map((r) => r.status)).toEqual(Array(6).fill(200));
    const members = answers.map(servedBy);
    expect(members.filter((m) => m === "llama-ord")).toHaveLength(3);
    expect(members.filter((m) => m === "llama-fra")).toHaveLength(3);
    expect(members[0]).not.toBe(members[1]);
    expect((await answers[0]!.json()).model).toBe("spread");
    expect([calls(ord), calls(fra)]).toEqual([3, 3]);
    // Each region got its own signed call, with that member's model.
    expect(ord.requestsFor("chat").every((r) => r.signatureOk)).toBe(true);
    expect((fra.requestsFor("chat")[0]!.body as { servingMode: { modelId: string } }).servingMode.modelId).toBe(LLAMA);
  });

  test("least_busy: while a slow stream holds one member, requests go to the other", async () => {
    // Both idle: the tie goes by round-robin order, so the first request goes to llama-ord.
    ord.script("chat", { sse: ["Hel", "lo", " there"].map(say), gapMs: 1000 });
    const stream = await chat("busy", { stream: true });
    expect(servedBy(stream)).toBe("llama-ord");
    const reader = stream.body!.getReader();
    await reader.read(); // the stream is open and counted as in progress
    const others = [await chat("busy"), await chat("busy")].map(servedBy);
    expect(others).toEqual(["llama-fra", "llama-fra"]);
    await reader.cancel();
  });
});

describe("failover before the client sees a byte", () => {
  test("429 moves on at once (no retry on that member) and parks it for its Retry-After", async () => {
    ord.failNext(1, { status: 429, retryAfter: "1" });
    const r = await chat("primary");
    expect(r.status).toBe(200);
    expect(servedBy(r)).toBe("llama-fra");
    expect([calls(ord), calls(fra)]).toEqual([1, 1]);
    // Parked: the next request does not try it.
    expect(servedBy(await chat("primary"))).toBe("llama-fra");
    expect(calls(ord)).toBe(1);
    const parked = await stateOf("primary", "llama-ord");
    expect(parked.state).toBe("parked");
    expect(parked.retryInSeconds).toBe(1);
    await Bun.sleep(1050);
    expect(servedBy(await chat("primary"))).toBe("llama-ord");
    // One log line per request names the members tried.
    await Bun.sleep(50);
    expect(gw.output()).toContain('"servedBy":"llama-fra","tried":["llama-ord:429","llama-fra:ok"]');
  });

  test("5xx: retried on the same member by the retry policy, then the next member answers", async () => {
    ord.failNext(3, { status: 500 });
    const r = await chat("patient");
    expect(r.status).toBe(200);
    expect(servedBy(r)).toBe("llama-fra");
    expect(calls(ord)).toBe(3);
    expect(calls(fra)).toBe(1);
  });

  test("a member that does not answer within attempt_timeout_seconds is left for the next", async () => {
    ord.failNext(1, "hang");
    const started = performance.now();
    const r = await chat("primary");
    const ms = performance.now() - started;
    expect(r.status).toBe(200);
    expect(servedBy(r)).toBe("llama-fra");
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(2500);
    await ord.waitFor(() => ord.requestsFor("chat")[0]?.abortedAt !== undefined);
  });

  test("a connection cut before the answer's body moves on", async () => {
    ord.failNext(3, "reset");
    const r = await chat("patient");
    expect(r.status).toBe(200);
    expect(servedBy(r)).toBe("llama-fra");
    expect(calls(ord)).toBeGreaterThanOrEqual(1);
  });

  test("the request's deadline bounds everything: a hanging first member means 504, no resend", async () => {
    ord.failNext(1, "hang");
    const started = performance.now();
    const r = await chat("slow");
    const ms = performance.now() - started;
    expect(r.status).toBe(504);
    expect((await r.json()).error.code).toBe("upstream_timeout");
    expect(ms).toBeLessThan(4000); // UPSTREAM_TIMEOUT_SECONDS=3
    expect(calls(fra)).toBe(0);
  });
});

describe("the breaker", () => {
  test("2 failures in a row open it; it is skipped; after 1 s one probe closes it", async () => {
    ord.failNext(20, { status: 502 });
    for (let i = 0; i < 2; i++) expect(servedBy(await chat("primary"))).toBe("llama-fra");
    expect((await stateOf("primary", "llama-ord")).state).toBe("open");
    const metrics = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text();
    expect(metrics).toContain('ocigenai_pool_member_state{pool="primary",member="llama-ord"} 2');
    expect(metrics).toContain('ocigenai_pool_member_state{pool="primary",member="llama-fra"} 0');
    const before = calls(ord);
    expect(servedBy(await chat("primary"))).toBe("llama-fra");
    expect(calls(ord)).toBe(before); // open: not even tried
    ord.clear(); // the region is back
    await Bun.sleep(1050);
    expect((await stateOf("primary", "llama-ord")).state).toBe("half_open");
    expect(servedBy(await chat("primary"))).toBe("llama-ord"); // the probe
    expect((await stateOf("primary", "llama-ord")).state).toBe("up");
  }, 20_000);
});

describe("streams", () => {
  test("a member whose stream breaks before its first event is left; the client gets one clean stream", async () => {
    ord.failNext(1, "reset");
    const r = await chat("primary", { stream: true });
    expect(r.status).toBe(200);
    expect(servedBy(r)).toBe("llama-fra");
    const text = await r.text();
    expect(text).toContain("data: [DONE]");
    expect(text).not.toContain('"error"');
    expect([calls(ord), calls(fra)]).toEqual([1, 1]);
  });

  test("after the first event there is no resend: the break reaches the client as an error event", async () => {
    ord.script("chat", { sse: [say("Hel")], end: "error" });
    const r = await chat("primary", { stream: true });
    expect(servedBy(r)).toBe("llama-ord");
    const text = await r.text();
    expect(text).toContain("Hel");
    expect(text).toContain('"error"');
    expect(calls(fra)).toBe(0);
  });
});

describe("every family and embeddings", () => {
  test("Responses, Messages and /genai/{pool}/inference fail over the same way", async () => {
    ord.failNext(3, { status: 429 });
    const responses = await post("/v1/responses", { model: "families", input: "hello" });
    expect(responses.status).toBe(200);
    expect(servedBy(responses)).toBe("llama-fra");
    expect((await responses.json()).model).toBe("families");
    const messages = await post(
      "/v1/messages",
      { model: "families", max_tokens: 50, messages: [{ role: "user", content: "hello" }] },
      { "x-api-key": KEY },
    );
    expect(messages.status).toBe(200);
    expect(servedBy(messages)).toBe("llama-fra");
    const direct = await post("/genai/families/inference", { prompt: "hello" });
    expect(direct.status).toBe(200);
    expect(servedBy(direct)).toBe("llama-fra");
    expect(calls(ord)).toBe(1); // parked after the first 429 (no Retry-After: 1 s)
  });

  test("embeddings: a failing region is left; the vectors come from the other, named by the pool", async () => {
    ord.failNext(3, { status: 503 });
    const r = await post("/v1/embeddings", { model: "embed", input: ["a", "b"] });
    expect(r.status).toBe(200);
    expect(servedBy(r)).toBe("embed-fra");
    const body = await r.json();
    expect(body.model).toBe("embed");
    expect(body.data).toHaveLength(2);
    expect(calls(fra, "embedText")).toBe(1);
  });
});

describe("every member down", () => {
  test("all throttled: 429 with the soonest Retry-After, in each family's envelope", async () => {
    ord.failNext(1, { status: 429, retryAfter: "30" });
    fra.failNext(1, { status: 429, retryAfter: "20" });
    const r = await chat("throttled");
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("20");
    const body = await r.json();
    expect(body.error.code).toBe("rate_limit_exceeded");
    expect(body.error.message).toContain("llama-ord (429)");
    // Both parked now: answered without calling OCI, in Anthropic's envelope on /v1/messages.
    const m = await post(
      "/v1/messages",
      { model: "throttled", max_tokens: 5, messages: [{ role: "user", content: "x" }] },
      { "x-api-key": KEY },
    );
    expect(m.status).toBe(429);
    expect(await m.json()).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    expect(calls(ord) + calls(fra)).toBe(2);
  });

  test("all failing: 503 pool_unavailable naming each member", async () => {
    ord.failNext(3, { status: 500 });
    fra.failNext(3, { status: 503 });
    const r = await chat("failing");
    expect(r.status).toBe(503);
    const body = await r.json();
    expect(body.error.code).toBe("pool_unavailable");
    expect(body.error.message).toMatch(/llama-(ord|fra) \(50\d\), llama-(ord|fra) \(50\d\)/);
  });
});

describe("/v1/models", () => {
  test("a pool is listed with its members", async () => {
    const r = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } });
    const pool = ((await r.json()).data as Array<Record<string, unknown>>).find((m) => m.id === "spread");
    expect(pool).toMatchObject({ type: "pool", owned_by: "ocigenai-pool", members: ["llama-ord", "llama-fra"] });
  });
});
