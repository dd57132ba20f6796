/**
 * An agent alias as a chat backend: sessions found or made, turns sent, answers and events back
 * (docs/api/openai.md "Agent aliases", docs/api/direct.md; src/agents/agent-chat.ts), and how the
 * OpenAI family renders them (src/families/openai/chat-completion.ts).
 */
import { describe, expect, test } from "bun:test";
import { runAgentChat } from "../../src/agents/agent-chat";
import { SessionManager } from "../../src/agents/session-manager";
import type { ChatOutcome } from "../../src/chat/outcome";
import type { ChatAnswer, ChatEvent, ChatRequest } from "../../src/chat/types";
import type { ModelAlias } from "../../src/config/types";
import { LOCAL_OWNER } from "../../src/config/types";
import { ApiError } from "../../src/errors/api-error";
import { UpstreamError } from "../../src/errors/upstream-error";
import { chatCompletionReply, newCompletionMeta } from "../../src/families/openai/chat-completion";
import type { ChatCompletion } from "../../src/families/openai/types";
import { responseShell } from "../../src/families/responses/render-response";
import { ResponseStreamWriter } from "../../src/families/responses/stream-writer";
import { planTools } from "../../src/families/responses/tools";
import type { OciEventStream } from "../../src/oci/transport";
import type { AgentChatDetails } from "../../src/oci/wire";
import { MemorySessionStore } from "../../src/state/memory";
import { itemIdsFor } from "../../src/stored-responses/item-ids";
import { renderChunks } from "../support/run-stream-mapper";
import { stubTransport } from "../support/stub-transport";

type AgentCall = Parameters<typeof runAgentChat>[2];

const ALIAS: ModelAlias = {
  alias: "support-agent",
  id: "ocid1.genaiagentendpoint.oc1..e1",
  type: "agent",
  region: "us-chicago-1",
  params: {},
};
const gone = () => new UpstreamError("http", "gone", { status: 404, code: "NotAuthorizedOrNotFound" });
const CITATION = { sourceText: "Returns within 30 days", title: "Policy", docId: "doc-7" };

type StreamScript = { events: unknown[]; failAfter?: number };

/** OCI's agent runtime for one test: live sessions, recorded calls, scripted answers. */
class FakeAgents {
  readonly live = new Set<string>();
  readonly creates: string[] = [];
  readonly chats: AgentChatDetails[] = [];
  readonly streamChats: AgentChatDetails[] = [];
  cancels = 0;
  private n = 0;
  /** Events of the next streams, one script per stream (the last one repeats). */
  streams: StreamScript[] = [];

  readonly transport = stubTransport({
    createSession: async () => {
      const id = `ocid1.genaiagentsession.oc1..s${++this.n}`;
      this.live.add(id);
      this.creates.push(id);
      return { body: { id }, opcRequestId: "opc-create" };
    },
    agentChat: async (_t, _e, details) => {
      this.chats.push(details);
      if (!this.live.has(String(details.sessionId))) throw gone();
      return {
        body: {
          message: {
            role: "AGENT",
            content: { text: "You can return it within 30 days.", citations: [CITATION] },
            timeCreated: "2026-02-02T02:02:02Z",
          },
          traces: [
            { traceType: "GENERATION_TRACE", usage: [{ usageDetails: { inputTokenCount: 12, outputTokenCount: 8 } }] },
          ],
        },
        opcRequestId: "opc-chat",
      };
    },
    agentChatStream: async (_t, _e, details): Promise<OciEventStream> => {
      this.streamChats.push(details);
      if (!this.live.has(String(details.sessionId))) throw gone();
      const script = this.streams.length > 1 ? this.streams.shift()! : (this.streams[0] ?? { events: [] });
      const self = this;
      async function* events() {
        let i = 0;
        for (const ev of script.events) {
          if (script.failAfter !== undefined && i++ >= script.failAfter)
            throw new UpstreamError("bad_response", "stream broke");
          await Promise.resolve();
          yield ev;
        }
      }
      return { events: events(), opcRequestId: "opc-stream", cancel: () => void self.cancels++ };
    },
  });
}

function setup(o: { lockWaitMs?: number } = {}) {
  const oci = new FakeAgents();
  const store = new MemorySessionStore();
  const sessions = new SessionManager(store, oci.transport, {
    ttlMs: 600_000,
    lockWaitMs: o.lockWaitMs ?? 2000,
    lockLeaseMs: 5000,
  });
  const run = (
    request: Partial<ChatRequest> & Pick<ChatRequest, "messages">,
    over: Partial<Omit<AgentCall, "conversation">> & {
      channel?: string;
      cuid?: string;
      conversation?: AgentCall["conversation"];
    } = {},
  ) => {
    const { channel = "openai-v1", cuid = "u1", ...rest } = over;
    return runAgentChat(oci.transport, sessions, {
      alias: ALIAS,
      request,
      requestId: "req-1",
      signal: new AbortController().signal,
      owner: "ownerA",
      conversation: { kind: "auto", channel, cuid },
      ...rest,
    });
  };
  return { oci, store, sessions, run };
}

const conversation: ChatRequest["messages"] = [
  { role: "system", content: "You are the returns desk." },
  { role: "user", content: "I bought shoes." },
  { role: "assistant", content: "How can I help?" },
  { role: "user", content: "Can I return them?" },
];

function answerOf(o: ChatOutcome): ChatAnswer {
  if (o.kind !== "answer") throw new Error(`expected a whole answer, got ${o.kind}`);
  return o.answer;
}

async function collect(o: ChatOutcome): Promise<ChatEvent[]> {
  if (o.kind !== "stream") throw new Error(`expected a stream outcome, got ${o.kind}`);
  const out: ChatEvent[] = [];
  for await (const e of o.events) out.push(e);
  return out;
}

/** The agent turn the stream reported (exactly one agent event). */
function agentOf(events: ChatEvent[]) {
  const turns = events.flatMap((e) => (e.type === "agent" ? [e.agent] : []));
  expect(turns).toHaveLength(1);
  return turns[0]!;
}

function within<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  return Promise.race([p, Bun.sleep(ms).then(() => "timeout" as const)]);
}

const META = { id: "chatcmpl-agent", created: 1_700_000_000, model: "support-agent" };

describe("runAgentChat: whole answers", () => {
  test("the answer with the agent turn, usage from traces, and OCI's request id", async () => {
    const { oci, store, run } = setup();
    const o = await run({ messages: conversation });
    expect(o.kind).toBe("answer");
    expect(o.ociRequestId).toBe("opc-chat");
    expect(answerOf(o)).toEqual({
      choices: [{ index: 0, text: "You can return it within 30 days.", toolCalls: [], finishReason: "stop" }],
      usage: { inputTokens: 12, outputTokens: 8, totalTokens: 20 },
      agent: {
        sessionId: oci.creates[0]!,
        sessionKey: "openai-v1:u1",
        reused: false,
        citations: [CITATION],
        timeCreated: "2026-02-02T02:02:02Z",
      },
    });
    expect(store.heldLocks).toBe(0);
  });

  test("rendered for OpenAI: a chat.completion for the alias with the agent object and the usage", async () => {
    const { oci, run } = setup();
    const r = chatCompletionReply(await run({ messages: conversation }), newCompletionMeta(ALIAS.alias), false);
    if (r.kind !== "json") throw new Error("expected json");
    const body: ChatCompletion = r.body;
    expect(r.ociRequestId).toBe("opc-chat");
    expect(body.object).toBe("chat.completion");
    expect(body.model).toBe("support-agent");
    expect(body.id).toStartWith("chatcmpl-");
    expect(body.choices).toEqual([
      {
        index: 0,
        message: { role: "assistant", content: "You can return it within 30 days." },
        logprobs: null,
        finish_reason: "stop",
      },
    ]);
    expect(body.usage).toEqual({ prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 });
    expect(body.agent).toEqual({
      session_id: oci.creates[0]!,
      session_key: "openai-v1:u1",
      reused: false,
      citations: [CITATION],
    });
  });

  test("a new session gets the earlier turns as context; the next turn on it only the newest message", async () => {
    const { oci, run } = setup();
    await run({ messages: conversation });
    expect(oci.chats[0]!.userMessage).toBe(
      "system: You are the returns desk.\nuser: I bought shoes.\nassistant: How can I help?\n\nCan I return them?",
    );
    expect(oci.chats[0]!.shouldStream).toBe(false);
    expect(oci.chats[0]!.sessionId).toBe(oci.creates[0]!);

    const second = answerOf(
      await run({
        messages: [...conversation, { role: "assistant", content: "Yes." }, { role: "user", content: "Great, how?" }],
      }),
    );
    expect(oci.chats[1]!.userMessage).toBe("Great, how?");
    expect(second.agent!.reused).toBe(true);
    expect(second.agent!.sessionId).toBe(oci.creates[0]!);
    expect(oci.creates).toHaveLength(1);
  });

  test("the session key is channel:cuid exactly as the client gave them", async () => {
    const { run } = setup();
    const a = answerOf(
      await run({ messages: [{ role: "user", content: "hi" }] }, { channel: "Slack Bot", cuid: "User@Example" }),
    );
    expect(a.agent!.sessionKey).toBe("Slack Bot:User@Example");
  });

  test('trailing tool messages are sent as performedActions with userMessage "null"', async () => {
    const { oci, run } = setup();
    await run({
      messages: [
        { role: "user", content: "weather?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "act-9", type: "function", function: { name: "w", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "act-9", content: "sunny" },
      ],
    });
    expect(oci.chats[0]!.userMessage).toBe("null");
    expect(oci.chats[0]!.performedActions).toEqual([
      { actionId: "act-9", performedActionType: "FUNCTION_CALLING_PERFORMED_ACTION", functionCallOutput: "sunny" },
    ] as never);
  });

  test("a bad conversation is refused (400) before any session is made", async () => {
    const { oci, run } = setup();
    let err: unknown;
    try {
      await run({
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: "hello" },
        ],
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect(oci.creates).toHaveLength(0);
  });

  test("a reused session that OCI forgot → a new session, reused false, context sent again", async () => {
    const { oci, run } = setup();
    const first = answerOf(await run({ messages: conversation }));
    oci.live.delete(first.agent!.sessionId);
    const second = answerOf(await run({ messages: conversation }));
    expect(second.agent!.reused).toBe(false);
    expect(second.agent!.sessionId).not.toBe(first.agent!.sessionId);
    expect(oci.chats.at(-1)!.userMessage).toContain("system: You are the returns desk.");
  });

  test("an agent alias called without a conversation is a programming error, and no session is made", async () => {
    const { oci, run } = setup();
    await expect(run({ messages: conversation }, { conversation: undefined })).rejects.toThrow(
      "without a conversation",
    );
    expect(oci.creates).toHaveLength(0);
  });
});

describe("runAgentChat: manual mode (the client names the OCI session)", () => {
  test("the turn goes to that session as is: no session made, only the newest message, no session key in the turn", async () => {
    const { oci, store, run } = setup();
    oci.live.add("ocid1.genaiagentsession.oc1..mine");
    const a = answerOf(
      await run(
        { messages: conversation },
        { owner: LOCAL_OWNER, conversation: { kind: "manual", sessionId: "ocid1.genaiagentsession.oc1..mine" } },
      ),
    );
    expect(oci.creates).toHaveLength(0);
    expect(oci.chats[0]!.sessionId).toBe("ocid1.genaiagentsession.oc1..mine");
    expect(oci.chats[0]!.userMessage).toBe("Can I return them?");
    expect(a.agent).toEqual({
      sessionId: "ocid1.genaiagentsession.oc1..mine",
      citations: [CITATION],
      timeCreated: "2026-02-02T02:02:02Z",
    });
    expect(store.heldLocks).toBe(0);
  });

  test("a session OCI does not know → 409 invalid_session, nothing made in its place", async () => {
    const { oci, store, run } = setup();
    let err: unknown;
    try {
      await run(
        { messages: conversation },
        { owner: LOCAL_OWNER, conversation: { kind: "manual", sessionId: "ocid1.genaiagentsession.oc1..gone" } },
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(409);
    expect((err as ApiError).code).toBe("invalid_session");
    expect(oci.creates).toHaveLength(0);
    expect(store.heldLocks).toBe(0);
  });

  test("a manual stream reports the named session in its agent event", async () => {
    const { oci, run } = setup();
    oci.live.add("ocid1.genaiagentsession.oc1..mine");
    oci.streams = [{ events: [textEvent("hi")] }];
    const events = await collect(
      await run(
        { messages: conversation, stream: true },
        { owner: LOCAL_OWNER, conversation: { kind: "manual", sessionId: "ocid1.genaiagentsession.oc1..mine" } },
      ),
    );
    expect(agentOf(events).sessionId).toBe("ocid1.genaiagentsession.oc1..mine");
    expect(agentOf(events)).not.toHaveProperty("sessionKey");
  });
});

const textEvent = (text: string, extra: Record<string, unknown> = {}) => ({
  message: { role: "AGENT", content: { text, ...extra } },
});

describe("runAgentChat: streams", () => {
  test("each new piece of text once, then the agent turn, the finish and the usage; the lock is released at the end", async () => {
    const { oci, store, run } = setup();
    oci.streams = [
      {
        events: [
          textEvent("You can"),
          textEvent("You can return"), // cumulative
          textEvent(" them."), // delta
          {
            ...textEvent("You can return them.", { citations: [CITATION] }),
            traces: [{ usage: [{ usageDetails: { inputTokenCount: 5, outputTokenCount: 4 } }] }],
          },
        ],
      },
    ];
    const o = await run({ messages: conversation, stream: true });
    expect(o.ociRequestId).toBe("opc-stream");
    expect(oci.streamChats[0]!.shouldStream).toBe(true);
    expect(store.heldLocks).toBe(2); // held while the stream is open: the conversation key and the OCI session
    const events = await collect(o);

    expect(events).toEqual([
      { type: "text", choice: 0, text: "You can" },
      { type: "text", choice: 0, text: " return" },
      { type: "text", choice: 0, text: " them." },
      {
        type: "agent",
        agent: {
          sessionId: oci.creates[0]!,
          sessionKey: "openai-v1:u1",
          reused: false,
          citations: [CITATION],
          timeCreated: expect.any(String),
        },
      },
      { type: "finish", choice: 0, reason: "stop" },
      { type: "usage", usage: { inputTokens: 5, outputTokens: 4, totalTokens: 9 } },
    ]);
    if (o.kind === "stream") {
      expect(o.usage()).toEqual({ inputTokens: 5, outputTokens: 4, totalTokens: 9 });
      expect(o.firstTokenAt()).toBeNumber();
    }
    expect(store.heldLocks).toBe(0);
  });

  test("rendered for OpenAI: role chunk first, each piece once, the finish chunk with agent, no usage chunk unless asked", async () => {
    const { oci, run } = setup();
    oci.streams = [
      {
        events: [
          textEvent("You can"),
          textEvent(" return them.", { citations: [CITATION] }),
          { traces: [{ usage: [{ usageDetails: { inputTokenCount: 5, outputTokenCount: 4 } }] }] },
        ],
      },
    ];
    const chunks = renderChunks(await collect(await run({ messages: conversation, stream: true })), META, false);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" });
    const pieces = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content).filter((t): t is string => !!t));
    expect(pieces).toEqual(["You can", " return them."]);
    for (const c of chunks) {
      expect(c.object).toBe("chat.completion.chunk");
      expect(c.model).toBe("support-agent");
      expect(c.id).toBe(chunks[0]!.id);
    }
    const last = chunks.at(-1)!;
    expect(last.choices[0]!.finish_reason).toBe("stop");
    expect(last.agent).toEqual({
      session_id: oci.creates[0]!,
      session_key: "openai-v1:u1",
      reused: false,
      citations: [CITATION],
    });
    expect(chunks.filter((c) => c.agent !== undefined)).toHaveLength(1);
    expect(chunks.some((c) => c.usage)).toBe(false);
  });

  test("include_usage → rendered with a usage chunk after the finish chunk", async () => {
    const { oci, run } = setup();
    oci.streams = [
      {
        events: [
          { ...textEvent("ok"), traces: [{ usage: [{ usageDetails: { inputTokenCount: 2, outputTokenCount: 1 } }] }] },
        ],
      },
    ];
    const events = await collect(
      await run({ messages: conversation, stream: true, stream_options: { include_usage: true } }),
    );
    expect(events.at(-1)).toEqual({ type: "usage", usage: { inputTokens: 2, outputTokens: 1, totalTokens: 3 } });
    const chunks = renderChunks(events, META, true);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 });
    expect(chunks.at(-2)!.agent).toBeDefined();
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("stop");
  });

  test("required function calls in a stream → a whole tool call and finish reason tool_calls", async () => {
    const { oci, run } = setup();
    oci.streams = [
      {
        events: [
          {
            requiredActions: [
              {
                actionId: "act-1",
                requiredActionType: "FUNCTION_CALLING_REQUIRED_ACTION",
                functionCall: { name: "lookup", arguments: { order: 7 } },
              },
            ],
          },
        ],
      },
    ];
    const events = await collect(await run({ messages: conversation, stream: true }));
    expect(events.filter((e) => e.type === "tool_call")).toEqual([
      { type: "tool_call", choice: 0, index: 0, id: "act-1", name: "lookup", arguments: '{"order":7}' },
    ]);
    expect(events.filter((e) => e.type === "finish")).toEqual([{ type: "finish", choice: 0, reason: "tool_calls" }]);
    agentOf(events);
    const chunks = renderChunks(events, META, false);
    const callChunk = chunks.find((c) => c.choices[0]?.delta.tool_calls);
    expect(callChunk!.choices[0]!.delta.tool_calls).toEqual([
      { index: 0, id: "act-1", type: "function", function: { name: "lookup", arguments: '{"order":7}' } },
    ]);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)!.agent).toBeDefined();
  });

  test("text with citations and a required call, streamed to the Responses API: the message keeps its annotations", async () => {
    const { oci, run } = setup();
    oci.streams = [
      {
        events: [
          textEvent("Checking the policy."),
          {
            ...textEvent("Checking the policy.", { citations: [CITATION] }),
            requiredActions: [
              {
                actionId: "act-1",
                requiredActionType: "FUNCTION_CALLING_REQUIRED_ACTION",
                functionCall: { name: "lookup", arguments: { order: 7 } },
              },
            ],
          },
        ],
      },
    ];
    const events = await collect(await run({ messages: conversation, stream: true }));
    // The agent turn comes before the calls: a writer closes the message at the first call.
    expect(events.map((e) => e.type)).toEqual(["text", "agent", "tool_call", "finish"]);
    const tools = [{ type: "function", name: "lookup", parameters: { type: "object" } }];
    const writer = new ResponseStreamWriter(
      responseShell("resp_1", "support", { input: "hi", tools } as never),
      planTools(tools, undefined, false),
      itemIdsFor("resp_1"),
    );
    for (const e of events) writer.push(e);
    writer.end();
    const [message, call] = writer.final!.output as Array<{
      type: string;
      content?: Array<{ annotations: unknown[] }>;
    }>;
    expect(call!.type).toBe("function_call");
    expect(message!.content![0]!.annotations).toHaveLength(1);
  });

  test("the second stream on a key reuses its session (agent reused true, only the newest message sent)", async () => {
    const { oci, run } = setup();
    oci.streams = [{ events: [textEvent("a")] }];
    await collect(await run({ messages: conversation, stream: true }));
    const events = await collect(await run({ messages: [{ role: "user", content: "more" }], stream: true }));
    expect(agentOf(events).reused).toBe(true);
    expect(oci.streamChats[1]!.userMessage).toBe("more");
    expect(oci.creates).toHaveLength(1);
  });

  test("cancel() before the stream is read: upstream cancelled, lock released (the next call for the key does not wait)", async () => {
    const { oci, store, run } = setup({ lockWaitMs: 30 });
    oci.streams = [{ events: [textEvent("never read")] }];
    const o = await run({ messages: conversation, stream: true });
    expect(store.heldLocks).toBe(2); // the conversation key and the OCI session
    if (o.kind !== "stream") throw new Error("expected a stream");
    o.cancel();
    expect(oci.cancels).toBe(1);
    const next = await within(run({ messages: conversation }), 25);
    expect(next).not.toBe("timeout");
    if (next === "timeout") return;
    expect(answerOf(next).agent!.reused).toBe(true);
    expect(store.heldLocks).toBe(0);
  });

  test("a consumer that stops reading mid-stream releases the lock", async () => {
    const { oci, store, run } = setup({ lockWaitMs: 30 });
    oci.streams = [{ events: [textEvent("a"), textEvent("b"), textEvent("c")] }];
    const o = await run({ messages: conversation, stream: true });
    if (o.kind !== "stream") throw new Error("expected a stream");
    for await (const e of o.events) if (e.type === "text" && e.text === "a") break;
    expect(store.heldLocks).toBe(0);
  });

  test("a stream that breaks mid-way: the error reaches the reader and the lock is released", async () => {
    const { oci, store, run } = setup({ lockWaitMs: 30 });
    oci.streams = [{ events: [textEvent("a"), textEvent("b"), textEvent("c")], failAfter: 1 }];
    const o = await run({ messages: conversation, stream: true });
    let err: unknown;
    try {
      await collect(o);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UpstreamError);
    expect(store.heldLocks).toBe(0);
    const next = await within(run({ messages: conversation }), 25);
    expect(next).not.toBe("timeout");
  });

  test("a stream on a session OCI forgot → a new session, the agent turn says reused false", async () => {
    const { oci, run } = setup();
    oci.streams = [{ events: [textEvent("x")] }];
    await collect(await run({ messages: conversation, stream: true }));
    oci.live.delete(oci.creates[0]!);
    const events = await collect(await run({ messages: conversation, stream: true }));
    expect(agentOf(events).reused).toBe(false);
    expect(agentOf(events).sessionId).toBe(oci.creates[1]!);
    expect(oci.streamChats).toHaveLength(3);
    expect(oci.streamChats[2]!.userMessage).toContain("system: You are the returns desk.");
  });
});
