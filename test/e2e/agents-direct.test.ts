/**
 * The seed's agent routes on the real signed path: automatic and manual sessions against the fake
 * agent runtime, which counts turns per session (so reuse is visible) and refuses a second chat
 * on a busy session with 409 (so overlap would be visible).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { agentCitation } from "../support/agent-citation";
import type { FakeOci } from "../support/fake-oci";
import { type Gateway, startGateway, testModels } from "../support/gateway";
import { signedFakeOci } from "../support/signed-fake-oci";

const _AGENT_ID = (testModels()["my-agent"] as { id: string }).id;
let fake: FakeOci;
let gw: Gateway;
let dir: string;

async function start(env: Record<string, string> = {}): Promise<Gateway> {
  return startGateway({
    args: ["--config-dir", dir],
    env: { OCI_AGENT_ENDPOINT: fake.url, OCI_INFERENCE_ENDPOINT: fake.url, SESSION_STORE: "memory", ...env },
  });
}

beforeAll(async () => {
  ({ fake, dir } = await signedFakeOci());
  gw = await start({ API_KEYS: "key-a,key-b" });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
});

const post = (g: Gateway, path: string, body: unknown, key = "key-a") =>
  fetch(g.url + path, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
const chat = async (g: Gateway, body: Record<string, unknown>, key = "key-a") => {
  const r = await post(g, "/genai/my-agent/chat", body, key);
  return { status: r.status, body: (await r.json()) as Record<string, any> };
};

describe("automatic mode", () => {
  test("the same channel+cuid reuses one OCI session; answers in the seed's shape", async () => {
    fake.clear();
    const first = await chat(gw, { channel: "web-app", cuid: "user-1", userMessage: "Olá, preciso de ajuda" });
    expect(first.status).toBe(200);
    expect(first.body.agentResponse.role).toBe("ASSISTANT");
    expect(first.body.agentResponse.content[0].text).toBe("turn 1: Olá, preciso de ajuda");
    expect(typeof first.body.agentResponse.timeCreated).toBe("string");
    expect(first.body.sessionInfo).toEqual({
      sessionId: expect.stringMatching(/^ocid1\.genaiagentsession\./),
      sessionKey: "web-app:user-1",
      reused: false,
    });
    const second = await chat(gw, {
      channel: "web-app",
      cuid: "user-1",
      userMessage: "Qual é o status do pedido #12345?",
    });
    expect(second.body.agentResponse.content[0].text).toBe("turn 2: Qual é o status do pedido #12345?");
    expect(second.body.sessionInfo).toEqual({ ...first.body.sessionInfo, reused: true });
    const created = fake.requestsFor("createSession");
    expect(created).toHaveLength(1);
    expect(created[0]!.signatureOk).toBe(true);
    expect((created[0]!.body as Record<string, unknown>).idleTimeoutInSeconds).toBe(7200);
  });

  test("a session OCI no longer knows is replaced and the message sent again once (reused: false)", async () => {
    const a = await chat(gw, { channel: "web", cuid: "expiring", userMessage: "one" });
    fake.sessions.delete(a.body.sessionInfo.sessionId);
    fake.clear();
    const b = await chat(gw, { channel: "web", cuid: "expiring", userMessage: "two" });
    expect(b.status).toBe(200);
    expect(b.body.sessionInfo.reused).toBe(false);
    expect(b.body.sessionInfo.sessionId).not.toBe(a.body.sessionInfo.sessionId);
    expect(b.body.agentResponse.content[0].text).toBe("turn 1: two");
    expect(fake.requestsFor("agentChat").map((r) => r.status)).toEqual([404, 200]);
  });

  test("10 concurrent requests for one key: one session, turns 1..10, never overlapping", async () => {
    fake.clear();
    fake.agentRuntime.chatDelayMs = 40;
    const before = fake.agentRuntime.busyRefusals;
    try {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => chat(gw, { channel: "burst", cuid: "same", userMessage: `m${i}` })),
      );
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(new Set(results.map((r) => r.body.sessionInfo.sessionId)).size).toBe(1);
      const turns = results
        .map((r) => Number(/^turn (\d+):/.exec(r.body.agentResponse.content[0].text)![1]))
        .sort((x, y) => x - y);
      expect(turns).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(fake.requestsFor("createSession")).toHaveLength(1);
      expect(fake.agentRuntime.busyRefusals).toBe(before);
    } finally {
      fake.agentRuntime.chatDelayMs = 0;
    }
  });

  test("different keys run in parallel", async () => {
    await chat(gw, { channel: "par", cuid: "x", userMessage: "warm" });
    await chat(gw, { channel: "par", cuid: "y", userMessage: "warm" });
    fake.agentRuntime.chatDelayMs = 400;
    try {
      const t0 = performance.now();
      const [x, y] = await Promise.all([
        chat(gw, { channel: "par", cuid: "x", userMessage: "a" }),
        chat(gw, { channel: "par", cuid: "y", userMessage: "b" }),
      ]);
      const took = performance.now() - t0;
      expect([x.status, y.status]).toEqual([200, 200]);
      expect(took).toBeLessThan(750);
    } finally {
      fake.agentRuntime.chatDelayMs = 0;
    }
  });

  test("with several API keys, key B cannot reach key A's sessions", async () => {
    const a = await chat(gw, { channel: "shared", cuid: "u", userMessage: "hi" }, "key-a");
    const b = await chat(gw, { channel: "shared", cuid: "u", userMessage: "hi" }, "key-b");
    expect(b.body.sessionInfo.reused).toBe(false);
    expect(b.body.sessionInfo.sessionId).not.toBe(a.body.sessionInfo.sessionId);
    const stolen = await chat(gw, { sessionId: a.body.sessionInfo.sessionId, userMessage: "mine now" }, "key-b");
    expect(stolen.status).toBe(409);
    const del = await fetch(`${gw.url}/genai/my-agent/session/${a.body.sessionInfo.sessionId}`, {
      method: "DELETE",
      headers: { authorization: "Bearer key-b" },
    });
    expect(del.status).toBe(404);
    expect(fake.sessions.has(a.body.sessionInfo.sessionId)).toBe(true);
  });

  test("stream: delta events, then the whole answer with sessionInfo, then [DONE]", async () => {
    const r = await post(gw, "/genai/my-agent/chat", {
      channel: "web",
      cuid: "streamer",
      userMessage: "conte uma história",
      stream: true,
    });
    expect(r.headers.get("content-type")).toStartWith("text/event-stream");
    const events = (await r.text())
      .split("\n\n")
      .filter((f) => f.startsWith("data: "))
      .map((f) => f.slice(6));
    expect(events.at(-1)).toBe("[DONE]");
    const final = JSON.parse(events.at(-2)!);
    const deltas = events.slice(0, -2).map((e) => JSON.parse(e).delta as string);
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.join("")).toBe("turn 1: conte uma história");
    expect(final.agentResponse.content[0].text).toBe("turn 1: conte uma história");
    expect(final.sessionInfo).toMatchObject({ sessionKey: "web:streamer", reused: false });
  });
});

describe("TTL", () => {
  test("a session idle longer than SESSION_TTL_SECONDS is not reused", async () => {
    const g = await start({ SESSION_TTL_SECONDS: "0.5" });
    try {
      const a = await chat(g, { channel: "ttl", cuid: "u", userMessage: "one" });
      const b = await chat(g, { channel: "ttl", cuid: "u", userMessage: "two" });
      expect(b.body.sessionInfo.reused).toBe(true);
      await Bun.sleep(700); // not a wait for a condition: this idle time past the 0.5 s TTL is what is tested
      const c = await chat(g, { channel: "ttl", cuid: "u", userMessage: "three" });
      expect(c.body.sessionInfo.reused).toBe(false);
      expect(c.body.sessionInfo.sessionId).not.toBe(a.body.sessionInfo.sessionId);
    } finally {
      await g.stop();
    }
  });
});

describe("manual mode and the session routes", () => {
  test("POST /session, chat with sessionId, reuse on a second POST, DELETE", async () => {
    const r1 = await post(gw, "/genai/my-agent/session", { channel: "web-app", cuid: "manual-1" });
    const s1 = await r1.json();
    expect(r1.status).toBe(200);
    expect(s1).toMatchObject({ sessionKey: "web-app:manual-1", reused: false, welcomeMessage: "Hi, how can I help?" });
    const c = await chat(gw, { sessionId: s1.id, userMessage: "Olá" });
    expect(c.body.agentResponse.content[0].text).toBe("turn 1: Olá");
    expect(c.body.sessionInfo).toEqual({ sessionId: s1.id });
    const s2 = await (await post(gw, "/genai/my-agent/session", { channel: "web-app", cuid: "manual-1" })).json();
    expect(s2).toMatchObject({ id: s1.id, reused: true });
    // The same key in automatic mode continues that session.
    const auto = await chat(gw, { channel: "web-app", cuid: "manual-1", userMessage: "again" });
    expect(auto.body.agentResponse.content[0].text).toBe("turn 2: again");
    const del = await fetch(`${gw.url}/genai/my-agent/session/${s1.id}`, {
      method: "DELETE",
      headers: { authorization: "Bearer key-a" },
    });
    expect(del.status).toBe(204);
    expect(fake.sessions.has(s1.id)).toBe(false);
    const after = await chat(gw, { channel: "web-app", cuid: "manual-1", userMessage: "new" });
    expect(after.body.sessionInfo.reused).toBe(false);
    const again = await fetch(`${gw.url}/genai/my-agent/session/${s1.id}`, {
      method: "DELETE",
      headers: { authorization: "Bearer key-a" },
    });
    expect(again.status).toBe(404);
    expect((await again.json()).error).toContain("not found");
  });

  test("an expired session in manual mode → 409 with the seed's suggestion", async () => {
    const r = await chat(gw, { sessionId: "ocid1.genaiagentsession.oc1..gone", userMessage: "hi" });
    expect(r.status).toBe(409);
    expect(r.body).toEqual({
      error: "Invalid or expired session",
      suggestion: "Use automatic mode with 'channel' and 'cuid'",
    });
  });
});

describe("errors in the seed's envelope", () => {
  const notAnAgent = "Model 'llama' is not an agent. Use type='agent' in llm_models.json.";
  const turn = { channel: "c", cuid: "u", userMessage: "x" };
  test.each([
    ["/genai/llama/chat", turn, 400, notAnAgent],
    ["/genai/llama/session", { channel: "c", cuid: "u" }, 400, notAnAgent],
    ["/genai/nope/chat", turn, 404, "Model 'nope' not found in llm_models.json"],
    [
      "/genai/my-agent/chat",
      { channel: "c", userMessage: "x" },
      400,
      "Provide 'channel' and 'cuid' (automatic mode) or 'sessionId' (manual mode)",
    ],
    ["/genai/my-agent/chat", { channel: "c", cuid: "u" }, 400, "Missing required parameter 'userMessage'"],
    ["/genai/my-agent/session", { channel: "c" }, 400, "Missing required parameter 'cuid'"],
  ])("%s %j → %d", async (path, body, status, error) => {
    const r = await post(gw, path, body);
    expect(r.status).toBe(status);
    expect(await r.json()).toEqual({ error });
  });
});

describe("citations and disconnects", () => {
  test("the agent's citations reach agentResponse.citations", async () => {
    const citation = agentCitation("Orders ship in 2 days.", "FAQ", "faq.pdf");
    fake.script("agentChat", {
      json: {
        message: {
          role: "AGENT",
          content: { text: "In 2 days.", citations: [citation] },
          timeCreated: "2026-11-27T00:00:00.000Z",
        },
      },
    });
    const r = await chat(gw, { channel: "web", cuid: "cite", userMessage: "shipping?" });
    expect(r.body.agentResponse).toEqual({
      role: "ASSISTANT",
      content: [{ text: "In 2 days." }],
      timeCreated: "2026-11-27T00:00:00.000Z",
      citations: [citation],
    });
  });

  test("a client leaving a stream releases the conversation at once", async () => {
    fake.clear();
    fake.script("agentChat", {
      sse: Array.from({ length: 40 }, (_, i) => ({ message: { role: "AGENT", content: { text: `w${i} ` } } })),
      gapMs: 100,
      end: "hang",
    });
    const r = await post(gw, "/genai/my-agent/chat", {
      channel: "web",
      cuid: "leaver",
      userMessage: "long story",
      stream: true,
    });
    const reader = r.body!.getReader();
    await reader.read();
    await reader.cancel();
    await fake.waitFor(() => fake.streams.some((s) => s.clientAborted), 1000);
    const t0 = performance.now();
    const next = await chat(gw, { channel: "web", cuid: "leaver", userMessage: "still there?" });
    expect(next.status).toBe(200);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
