/**
 * Agent aliases on the OpenAI routes, through the official openai client: sessions keyed by
 * X-Channel/X-Cuid, context on a new session, streaming with the `agent` object, and required
 * actions surfacing as tool_calls answered with tool messages (performedActions).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { BASE_URL, makeTestApp } from "../support/app";
import type { FakeOci } from "../support/fake-oci";
import { type Gateway, startGateway } from "../support/gateway";
import { signedFakeOci } from "../support/signed-fake-oci";

let fake: FakeOci;
let gw: Gateway;

beforeAll(async () => {
  let dir: string;
  ({ fake, dir } = await signedFakeOci());
  gw = await startGateway({
    args: ["--config-dir", dir],
    env: { OCI_AGENT_ENDPOINT: fake.url, OCI_INFERENCE_ENDPOINT: fake.url, SESSION_STORE: "memory", API_KEY: "k" },
  });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
});

type AgentInfo = { session_id: string; session_key: string; reused: boolean; citations: unknown[] };
const client = (g: Gateway, headers: Record<string, string> = {}) =>
  new OpenAI({ baseURL: `${g.url}/v1`, apiKey: "k", maxRetries: 0, defaultHeaders: headers });
const agentOf = (x: unknown) => (x as { agent: AgentInfo }).agent;
const userMessages = () => fake.requestsFor("agentChat").map((r) => (r.body as { userMessage?: string }).userMessage);

describe("agent alias on /v1/chat/completions", () => {
  test("a new session gets the earlier turns as context; the next request only the newest message", async () => {
    fake.clear();
    const c = client(gw, { "x-channel": "support", "x-cuid": "alice" });
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: "system", content: "You help with orders." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello! How can I help?" },
      { role: "user", content: "Where is order 7?" },
    ];
    const r1 = await c.chat.completions.create({ model: "my-agent", messages });
    expect(r1.object).toBe("chat.completion");
    expect(r1.choices[0]!.finish_reason).toBe("stop");
    expect(agentOf(r1)).toMatchObject({ session_key: "support:alice", reused: false, citations: [] });
    expect(userMessages()[0]).toBe(
      "system: You help with orders.\nuser: Hi\nassistant: Hello! How can I help?\n\nWhere is order 7?",
    );
    expect(r1.choices[0]!.message.content).toBe(`turn 1: ${userMessages()[0]}`);
    messages.push(r1.choices[0]!.message, { role: "user", content: "Thanks" });
    const r2 = await c.chat.completions.create({ model: "my-agent", messages });
    expect(r2.choices[0]!.message.content).toBe("turn 2: Thanks");
    expect(agentOf(r2)).toMatchObject({ session_id: agentOf(r1).session_id, reused: true });
    expect(userMessages()[1]).toBe("Thanks");
  });

  test("without X-Cuid the body's user keys the session; /genai/{agent}/v1 works the same", async () => {
    const a = await client(gw).chat.completions.create({
      model: "my-agent",
      user: "bob",
      messages: [{ role: "user", content: "one" }],
    });
    expect(agentOf(a).session_key).toBe("openai-v1:bob");
    const path = new OpenAI({ baseURL: `${gw.url}/genai/my-agent/v1`, apiKey: "k", maxRetries: 0 });
    const b = await path.chat.completions.create({
      model: "placeholder",
      user: "bob",
      messages: [{ role: "user", content: "two" }],
    });
    expect(agentOf(b)).toMatchObject({ session_id: agentOf(a).session_id, reused: true });
    expect(b.choices[0]!.message.content).toBe("turn 2: two");
  });

  test("streamed: real deltas from the agent stream, the agent object on the finish chunk", async () => {
    const stream = await client(gw, { "x-cuid": "streamer" }).chat.completions.create({
      model: "my-agent",
      messages: [{ role: "user", content: "tell me more" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let deltas = 0;
    let agent: AgentInfo | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      const d = chunk.choices[0]?.delta?.content;
      if (d) {
        text += d;
        deltas++;
      }
      if (chunk.choices[0]?.finish_reason) {
        finish = chunk.choices[0].finish_reason;
        agent = agentOf(chunk);
      }
    }
    expect(text).toBe("turn 1: tell me more");
    expect(deltas).toBeGreaterThan(2);
    expect(finish).toBe("stop");
    expect(agent).toMatchObject({ session_key: "openai-v1:streamer", reused: false });
  });

  test("a required function call becomes tool_calls; the tool message goes back as performedActions", async () => {
    fake.clear();
    fake.script("agentChat", {
      json: {
        message: { role: "AGENT", content: { text: "" }, timeCreated: new Date().toISOString() },
        requiredActions: [
          {
            actionId: "action-1",
            requiredActionType: "FUNCTION_CALLING_REQUIRED_ACTION",
            functionCall: { name: "lookup_order", arguments: '{"order":7}' },
          },
        ],
      },
    });
    const c = client(gw, { "x-cuid": "tools" });
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Where is order 7?" }];
    const r1 = await c.chat.completions.create({ model: "my-agent", messages });
    expect(r1.choices[0]!.finish_reason).toBe("tool_calls");
    expect(r1.choices[0]!.message.tool_calls).toEqual([
      { id: "action-1", type: "function", function: { name: "lookup_order", arguments: '{"order":7}' } },
    ]);
    messages.push(r1.choices[0]!.message, { role: "tool", tool_call_id: "action-1", content: '{"status":"shipped"}' });
    const r2 = await c.chat.completions.create({ model: "my-agent", messages });
    // The scripted first answer bypassed the fake's turn counter, so the session's first counted turn is this one.
    expect(r2.choices[0]!.message.content).toBe('turn 1: results action-1={"status":"shipped"}');
    const second = fake.requestsFor("agentChat")[1]!.body as Record<string, unknown>;
    expect(second.performedActions).toEqual([
      {
        actionId: "action-1",
        performedActionType: "FUNCTION_CALLING_PERFORMED_ACTION",
        functionCallOutput: '{"status":"shipped"}',
      },
    ]);
    expect(second.sessionId).toBe(agentOf(r1).session_id);
  });

  test("/v1/completions on an agent alias", async () => {
    const r = await client(gw, { "x-cuid": "legacy" }).completions.create({ model: "my-agent", prompt: "Say hi" });
    expect(r.choices[0]!.text).toBe("turn 1: Say hi");
  });
});

// TEST_MODE needs no socket: in process (app.handle) with the memory store, as the process had.
describe("TEST_MODE agents run the real session manager", () => {
  test("reuse, streaming and the seed routes offline", async () => {
    const offline = makeTestApp(); // TEST_MODE, memory session store
    const c = new OpenAI({
      baseURL: `${BASE_URL}/v1`,
      apiKey: "k",
      maxRetries: 0,
      defaultHeaders: { "x-cuid": "dev" },
      fetch: offline.fetch,
    });
    const a = await c.chat.completions.create({ model: "my-agent", messages: [{ role: "user", content: "first" }] });
    const b = await c.chat.completions.create({ model: "my-agent", messages: [{ role: "user", content: "second" }] });
    expect(a.choices[0]!.message.content).toBe("[TEST_MODE] Simulated response to: first");
    expect(agentOf(b)).toMatchObject({ session_id: agentOf(a).session_id, reused: true });
    const seed = await offline.call("/genai/my-agent/chat", {
      method: "POST",
      body: JSON.stringify({ channel: "web-app", cuid: "user-12345", userMessage: "Olá, preciso de ajuda" }),
    });
    const body = await seed.json();
    expect(body.agentResponse.content[0].text).toBe("[TEST_MODE] Simulated response to: Olá, preciso de ajuda");
    expect(body.sessionInfo).toMatchObject({ sessionKey: "web-app:user-12345", reused: false });
    const manual = await offline.call("/genai/my-agent/chat", {
      method: "POST",
      body: JSON.stringify({ sessionId: "ocid1.genaiagentsession.oc1..unknown", userMessage: "x" }),
    });
    expect(manual.status).toBe(409);
  });
});
