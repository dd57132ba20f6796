/**
 * What an agent's answer becomes: the core's answer and closing events (src/agents/agent-chat.ts),
 * rendered as a chat.completion and chunks by the OpenAI family (src/families/openai/chat-completion.ts)
 * and as the seed's `{agentResponse, sessionInfo, usage}` by the direct family (src/families/direct/agent-chat.ts).
 */
import { describe, expect, test } from "bun:test";
import { runAgentChat } from "../../src/agents/agent-chat";
import { SessionManager } from "../../src/agents/session-manager";
import type { ChatOutcome } from "../../src/chat/outcome";
import type { ChatAnswer, ChatEvent } from "../../src/chat/types";
import { LOCAL_OWNER } from "../../src/config/types";
import { agentChatReply } from "../../src/families/direct/agent-chat";
import { toChatCompletion } from "../../src/families/openai/chat-completion";
import type { Reply } from "../../src/http/respond";
import type { OciEventStream } from "../../src/oci/transport";
import { MemorySessionStore } from "../../src/state/memory";
import { replyFrames } from "../support/reply-frames";
import { renderChunks } from "../support/run-stream-mapper";
import { stubTransport } from "../support/stub-transport";

type Conversation = NonNullable<Parameters<typeof runAgentChat>[2]["conversation"]>;

const META = { id: "chatcmpl-test", created: 1_700_000_000, model: "my-agent" };
const SESSION = "ocid1.genaiagentsession.oc1..s1";
const AUTO: Conversation = { kind: "auto", channel: "web", cuid: "u1" };
const MANUAL: Conversation = { kind: "manual", sessionId: SESSION };
const CITATIONS = [{ title: "c" }];
/** The `agent` object of a first turn on `web:u1` (its session was made for it). */
const INFO = { session_id: SESSION, session_key: "web:u1", reused: false, citations: CITATIONS };
const TIME = "2026-03-01T10:00:00Z";

interface Scripted {
  text?: string;
  citations?: unknown[];
  functionCalls?: Array<{ actionId: string; name: string; arguments: string }>;
  approvals?: string[];
  usage?: { input: number; output: number };
}

/** A script of function calls only (no text), each given as [actionId, name, arguments]. */
const callsOnly = (...calls: Array<[string, string, string]>): Scripted => ({
  text: "",
  citations: CITATIONS,
  functionCalls: calls.map(([actionId, name, args]) => ({ actionId, name, arguments: args })),
});

/** An OCI agent ChatResult (or the fields of a final stream event) for this script. */
function agentResult(s: Scripted): Record<string, unknown> {
  return {
    message: { role: "AGENT", content: { text: s.text ?? "Hello", citations: s.citations ?? [] }, timeCreated: TIME },
    requiredActions: [
      ...(s.functionCalls ?? []).map((c) => ({
        actionId: c.actionId,
        requiredActionType: "FUNCTION_CALLING_REQUIRED_ACTION",
        functionCall: { name: c.name, arguments: c.arguments },
      })),
      ...(s.approvals ?? []).map((m, i) => ({
        actionId: `h${i}`,
        requiredActionType: "HUMAN_APPROVAL_REQUIRED_ACTION",
        message: m,
      })),
    ],
    ...(s.usage
      ? {
          traces: [{ usage: [{ usageDetails: { inputTokenCount: s.usage.input, outputTokenCount: s.usage.output } }] }],
        }
      : {}),
  };
}

/** One agent turn through runAgentChat against an OCI that answers with the script. */
async function turn(s: Scripted, o: { stream?: boolean; conversation?: Conversation } = {}): Promise<ChatOutcome> {
  const transport = stubTransport({
    createSession: async () => ({ body: { id: SESSION } }),
    agentChat: async () => ({ body: agentResult(s), opcRequestId: "opc-chat" }),
    agentChatStream: async (): Promise<OciEventStream> => {
      async function* events() {
        // The text streams as a delta, then a final event repeats it with the rest of the result.
        if (s.text !== "") yield { message: { role: "AGENT", content: { text: s.text ?? "Hello" } } };
        yield agentResult(s);
      }
      return { events: events(), opcRequestId: "opc-stream", cancel: () => {} };
    },
  });
  const sessions = new SessionManager(new MemorySessionStore(), transport, {
    ttlMs: 60_000,
    lockWaitMs: 1000,
    lockLeaseMs: 5000,
  });
  return runAgentChat(transport, sessions, {
    alias: {
      alias: "my-agent",
      id: "ocid1.genaiagentendpoint.oc1..e1",
      type: "agent",
      region: "us-chicago-1",
      params: {},
    },
    request: { messages: [{ role: "user", content: "hi" }], stream: o.stream === true },
    requestId: "req-1",
    signal: new AbortController().signal,
    owner: LOCAL_OWNER, // the key-less namespace: it may name sessions this gateway did not make
    conversation: o.conversation ?? AUTO,
  });
}

async function answer(s: Scripted, conversation?: Conversation): Promise<ChatAnswer> {
  const o = await turn(s, { conversation });
  if (o.kind !== "answer") throw new Error("expected a whole answer");
  return o.answer;
}

async function events(s: Scripted): Promise<ChatEvent[]> {
  const o = await turn(s, { stream: true });
  if (o.kind !== "stream") throw new Error("expected a stream");
  const out: ChatEvent[] = [];
  for await (const e of o.events) out.push(e);
  return out;
}

async function frames(r: Reply<unknown>): Promise<unknown[]> {
  if (r.kind !== "stream") throw new Error("expected a stream reply");
  const out: unknown[] = [];
  for await (const f of replyFrames(r)) out.push(f.data);
  return out;
}

describe("an agent's whole answer, as a chat.completion", () => {
  test("plain text: finish_reason stop, the agent object and usage", async () => {
    const a = await answer({ citations: CITATIONS, usage: { input: 3, output: 2 } });
    expect(toChatCompletion(a, META)).toEqual({
      id: "chatcmpl-test",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "my-agent",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello" }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
      agent: INFO,
    });
  });

  test("function calls only → tool calls with the action ids, no text (content null), finish_reason tool_calls", async () => {
    const a = await answer(callsOnly(["act-1", "get_weather", '{"city":"Rome"}'], ["act-2", "get_time", "{}"]));
    expect(a.choices[0]!.text).toBeUndefined();
    expect(a.choices[0]!.toolCalls).toEqual([
      { id: "act-1", name: "get_weather", arguments: '{"city":"Rome"}' },
      { id: "act-2", name: "get_time", arguments: "{}" },
    ]);
    const c = toChatCompletion(a, META);
    const choice = c.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      { id: "act-1", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
      { id: "act-2", type: "function", function: { name: "get_time", arguments: "{}" } },
    ]);
    expect(c.agent).toEqual(INFO);
  });

  test("function calls with text keep the text", async () => {
    const a = await answer({ text: "Let me check", functionCalls: [{ actionId: "a", name: "f", arguments: "{}" }] });
    const c = toChatCompletion(a, META);
    expect(c.choices[0]!.message.content).toBe("Let me check");
    expect(c.choices[0]!.finish_reason).toBe("tool_calls");
  });

  test("approval prompts are appended to the text", async () => {
    const a = await answer({ text: "Ready.", approvals: ["Delete?"] });
    expect(a.choices[0]!.text).toBe("Ready.\n\nDelete?");
    const c = toChatCompletion(a, META);
    expect(c.choices[0]!.message.content).toBe("Ready.\n\nDelete?");
    expect(c.choices[0]!.finish_reason).toBe("stop");
    expect(c.choices[0]!.message.tool_calls).toBeUndefined();
  });

  test("no usage from the agent → the answer has none, the chat.completion zeros", async () => {
    const a = await answer({});
    expect(a.usage).toBeUndefined();
    expect(toChatCompletion(a, META).usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });
});

describe("an agent's stream: its closing events, as chunks", () => {
  test("text answer: the agent turn, then one finish (stop), then the usage; rendered, the finish chunk carries the agent object and no usage chunk unless asked", async () => {
    const evs = await events({ citations: CITATIONS, usage: { input: 1, output: 1 } });
    expect(evs).toEqual([
      { type: "text", choice: 0, text: "Hello" },
      {
        type: "agent",
        agent: { sessionId: SESSION, sessionKey: "web:u1", reused: false, citations: CITATIONS, timeCreated: TIME },
      },
      { type: "finish", choice: 0, reason: "stop" },
      { type: "usage", usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } },
    ]);
    const chunks = renderChunks(evs, META, false);
    expect(chunks.at(-1)).toEqual({
      id: "chatcmpl-test",
      object: "chat.completion.chunk",
      created: 1_700_000_000,
      model: "my-agent",
      choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }],
      agent: INFO,
    });
    expect(chunks.some((c) => "usage" in c)).toBe(false);
  });

  test("include_usage → a last chunk with empty choices and the usage; agent only on the finish chunk", async () => {
    const chunks = renderChunks(await events({ citations: CITATIONS, usage: { input: 4, output: 6 } }), META, true);
    const [finish, usage] = chunks.slice(-2);
    expect(finish!.choices[0]!.finish_reason).toBe("stop");
    expect(finish!.agent).toEqual(INFO);
    expect(usage!.choices).toEqual([]);
    expect(usage!.usage).toEqual({ prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 });
    expect(usage!.agent).toBeUndefined();
  });

  test("include_usage without agent usage → zeros", async () => {
    const evs = await events({});
    expect(evs.some((e) => e.type === "usage")).toBe(false);
    expect(renderChunks(evs, META, true).at(-1)!.usage).toEqual({
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
    });
  });

  test("function calls → whole tool calls (indexed, action ids), then finish_reason tool_calls with agent", async () => {
    const evs = await events(callsOnly(["act-1", "f", '{"a":1}'], ["act-2", "g", "{}"]));
    // The agent turn first: it carries the text's citations, which a writer needs before the calls close the text.
    expect(evs.map((e) => e.type)).toEqual(["agent", "tool_call", "tool_call", "finish"]);
    expect(evs.slice(1, 3)).toEqual([
      { type: "tool_call", choice: 0, index: 0, id: "act-1", name: "f", arguments: '{"a":1}' },
      { type: "tool_call", choice: 0, index: 1, id: "act-2", name: "g", arguments: "{}" },
    ]);
    const chunks = renderChunks(evs, META, false).slice(1);
    expect(chunks).toHaveLength(3);
    expect(chunks.slice(0, 2).flatMap((c) => c.choices[0]!.delta.tool_calls ?? [])).toEqual([
      { index: 0, id: "act-1", type: "function", function: { name: "f", arguments: '{"a":1}' } },
      { index: 1, id: "act-2", type: "function", function: { name: "g", arguments: "{}" } },
    ]);
    for (const c of chunks.slice(0, 2)) {
      expect(c.choices[0]!.finish_reason).toBeNull();
      expect(c.agent).toBeUndefined();
    }
    expect(chunks[2]!.choices[0]!.finish_reason).toBe("tool_calls");
    expect(chunks[2]!.agent).toEqual(INFO);
  });

  test("approvals → a text event with the prompts (separated from streamed text) before the finish", async () => {
    const evs = await events({ text: "Ready.", approvals: ["Go?"] });
    expect(evs.filter((e) => e.type === "text")).toEqual([
      { type: "text", choice: 0, text: "Ready." },
      { type: "text", choice: 0, text: "\n\nGo?" },
    ]);
    expect(evs.at(-1)).toEqual({ type: "finish", choice: 0, reason: "stop" });
    const noText = await events({ text: "", approvals: ["Go?"] });
    expect(noText[0]).toEqual({ type: "text", choice: 0, text: "Go?" });
    const chunks = renderChunks(noText, META, false);
    expect(chunks[1]!.choices[0]!.delta.content).toBe("Go?");
    expect(chunks.at(-1)!.agent).toBeDefined();
  });

  test("exactly one chunk carries the agent object, and it is the one with finish_reason", async () => {
    const evs = await events({ approvals: ["x"], functionCalls: [{ actionId: "a", name: "f", arguments: "{}" }] });
    expect(evs.filter((e) => e.type === "agent")).toHaveLength(1);
    const withAgent = renderChunks(evs, META, true).filter((c) => c.agent !== undefined);
    expect(withAgent).toHaveLength(1);
    expect(withAgent[0]!.choices[0]!.finish_reason).toBe("tool_calls");
  });
});

describe("an agent's answer in the seed's shape (direct /chat)", () => {
  test("{agentResponse: {role: ASSISTANT, content: [{text}], timeCreated, citations}, sessionInfo, usage}", async () => {
    const citations = [{ title: "doc", sourceText: "s" }];
    const r = agentChatReply(await turn({ citations, usage: { input: 3, output: 2 } }));
    expect(r).toEqual({
      kind: "json",
      body: {
        agentResponse: { role: "ASSISTANT", content: [{ text: "Hello" }], timeCreated: TIME, citations },
        sessionInfo: { sessionId: SESSION, sessionKey: "web:u1", reused: false },
        usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
      },
      ociRequestId: "opc-chat",
      usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 },
    });
  });

  test("no citations → the key is omitted; no usage → no usage key", async () => {
    const r = agentChatReply(await turn({}));
    if (r.kind !== "json") throw new Error("expected json");
    expect(r.body).toEqual({
      agentResponse: { role: "ASSISTANT", content: [{ text: "Hello" }], timeCreated: TIME },
      sessionInfo: { sessionId: SESSION, sessionKey: "web:u1", reused: false },
    });
    expect("citations" in r.body.agentResponse).toBe(false);
    expect("usage" in r.body).toBe(false);
  });

  test("approval prompts are part of the text", async () => {
    const r = agentChatReply(await turn({ text: "Ready.", approvals: ["Go?"] }));
    if (r.kind !== "json") throw new Error("expected json");
    expect(r.body.agentResponse.content).toEqual([{ text: "Ready.\n\nGo?" }]);
  });

  test("manual mode: sessionInfo has only the session id", async () => {
    const r = agentChatReply(await turn({}, { conversation: MANUAL }));
    if (r.kind !== "json") throw new Error("expected json");
    expect(r.body.sessionInfo).toEqual({ sessionId: SESSION });
  });

  test("a stream: {delta} per piece of text (approvals included), then the whole answer, then [DONE]", async () => {
    const out = await frames(
      agentChatReply(
        await turn({ text: "Ready.", approvals: ["Go?"], usage: { input: 1, output: 2 } }, { stream: true }),
      ),
    );
    expect(out).toEqual([
      { delta: "Ready." },
      { delta: "\n\nGo?" },
      {
        agentResponse: { role: "ASSISTANT", content: [{ text: "Ready.\n\nGo?" }], timeCreated: TIME },
        sessionInfo: { sessionId: SESSION, sessionKey: "web:u1", reused: false },
        usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
      },
      "[DONE]",
    ]);
  });

  test("a manual-mode stream ends with sessionInfo carrying only the session id", async () => {
    const out = await frames(agentChatReply(await turn({}, { stream: true, conversation: MANUAL })));
    expect(out.at(-2)).toEqual({
      agentResponse: { role: "ASSISTANT", content: [{ text: "Hello" }], timeCreated: TIME },
      sessionInfo: { sessionId: SESSION },
    });
  });
});
