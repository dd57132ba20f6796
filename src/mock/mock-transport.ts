import type { CallOptions, OciEventStream, OciReply, OciTransport } from "../oci/transport";
import type { ChatDetails } from "../oci/wire";
import { genericChatResponse } from "./generic-chat-response";
import { MockAgents } from "./mock-agents";
import { createMockObjectStorage } from "./mock-object-storage";
import { type SimulatedAnswer, simulateChat } from "./simulate";
import { deterministicUnitVector, embeddingDimension } from "./simulate-embeddings";
import { simulateApplyGuardrails } from "./simulate-guardrails";
import { simulateRerank } from "./simulate-rerank";

/** Gap between simulated stream events: enough for clients to see real incremental delivery. */
const EVENT_GAP_MS = 5;
const PIECES = 5;

/**
 * TEST_MODE's transport. It replaces only OCI's I/O: answers are built in OCI's own wire shapes
 * (GENERIC and COHERE bodies, SSE events with `pad`, COHERE's repeated final text), so the same
 * validation, translation and streaming code runs as in production.
 */
export function createMockTransport(): OciTransport {
  let counter = 0;
  const agents = new MockAgents();
  const requestId = () => `TESTMODE${(++counter).toString(16).toUpperCase().padStart(8, "0")}`;
  return {
    kind: "mock",
    ...createMockObjectStorage(),
    async chat(_target, details): Promise<OciReply> {
      return { body: chatResult(details, simulateChat(details)), opcRequestId: requestId() };
    },
    async chatStream(_target, details, opts): Promise<OciEventStream> {
      const ctrl = new AbortController();
      return {
        events: streamEvents(details, simulateChat(details), opts, ctrl.signal),
        opcRequestId: requestId(),
        cancel: () => ctrl.abort(),
      };
    },
    async embedText(_target, details): Promise<OciReply> {
      const model = modelId(details);
      const dim = embeddingDimension(model, details.outputDimensions);
      const inputs = details.inputs ?? [];
      const tokens = inputs.reduce((n, t) => n + Math.max(1, t.split(/\s+/).filter(Boolean).length), 0);
      return {
        body: {
          id: `testmode-embed-${counter}`,
          embeddings: inputs.map((t) => deterministicUnitVector(t, dim)),
          modelId: model,
          modelVersion: "1.0",
          usage: { promptTokens: tokens, completionTokens: 0, totalTokens: tokens },
        },
        opcRequestId: requestId(),
      };
    },
    async rerankText(_target, details): Promise<OciReply> {
      const id = requestId();
      return {
        body: simulateRerank(details.input, details.documents, {
          topN: details.topN,
          isEcho: details.isEcho,
          modelId: modelId(details),
          id: `testmode-rerank-${id}`,
        }),
        opcRequestId: id,
      };
    },
    async applyGuardrails(_target, details): Promise<OciReply> {
      return { body: simulateApplyGuardrails(details), opcRequestId: requestId() };
    },
    createSession: async (_t, endpointId, details) => ({
      body: agents.create(endpointId, details.displayName, details.description),
      opcRequestId: requestId(),
    }),
    getSession: async (_t, endpointId, sessionId) => ({
      body: agents.get(endpointId, sessionId),
      opcRequestId: requestId(),
    }),
    deleteSession: async (_t, endpointId, sessionId) => {
      agents.delete(endpointId, sessionId);
      return { body: undefined, opcRequestId: requestId() };
    },
    agentChat: async (_t, endpointId, details) => ({
      body: agents.chat(endpointId, details).final,
      opcRequestId: requestId(),
    }),
    async agentChatStream(_t, endpointId, details, opts): Promise<OciEventStream> {
      const { pieces, final } = agents.chat(endpointId, details);
      const ctrl = new AbortController();
      async function* events() {
        for (const ev of [...pieces.map((text) => ({ message: { role: "AGENT", content: { text } } })), final]) {
          if (ctrl.signal.aborted || opts.signal.aborted) return;
          await Bun.sleep(EVENT_GAP_MS);
          yield ev;
        }
      }
      return { events: events(), opcRequestId: requestId(), cancel: () => ctrl.abort() };
    },
    async getModel(_target, id): Promise<OciReply> {
      // TEST_MODE cannot know what an OCID names; it answers as a GENERIC chat model would.
      return {
        body: {
          id,
          displayName: id,
          vendor: "meta",
          capabilities: ["CHAT"],
          lifecycleState: "ACTIVE",
          type: "BASE",
          version: "1.0.0",
        },
        opcRequestId: requestId(),
      };
    },
  };
}

function modelId(details: { servingMode: unknown }): string {
  const m = details.servingMode as { modelId?: string; endpointId?: string };
  return m.modelId ?? m.endpointId ?? "unknown";
}

function usage(a: SimulatedAnswer) {
  return {
    promptTokens: a.promptTokens,
    completionTokens: a.completionTokens,
    totalTokens: a.promptTokens + a.completionTokens,
  };
}

const COHERE_FINISH = { stop: "COMPLETE", length: "MAX_TOKENS", tool_calls: "COMPLETE" } as const;

function chatResult(details: ChatDetails, a: SimulatedAnswer): unknown {
  const format = (details.chatRequest as { apiFormat: string }).apiFormat;
  const base = { modelId: modelId(details), modelVersion: "1.0.0" };
  if (format === "COHERE") {
    return {
      ...base,
      chatResponse: {
        apiFormat: "COHERE",
        text: a.text,
        finishReason: COHERE_FINISH[a.finishReason],
        ...(a.toolCalls.length
          ? { toolCalls: a.toolCalls.map((c) => ({ name: c.name, parameters: JSON.parse(c.arguments) })) }
          : {}),
        usage: usage(a),
      },
    };
  }
  if (format === "COHEREV2") {
    return {
      ...base,
      chatResponse: {
        apiFormat: "COHEREV2",
        id: `testmode-${Date.now()}`,
        message: {
          role: "ASSISTANT",
          content: a.text ? [{ type: "TEXT", text: a.text }] : [],
          ...(a.toolCalls.length
            ? {
                toolCalls: a.toolCalls.map((c) => ({
                  id: c.id,
                  type: "FUNCTION",
                  function: { name: c.name, arguments: c.arguments },
                })),
              }
            : {}),
        },
        finishReason:
          a.finishReason === "tool_calls" ? "TOOL_CALL" : a.finishReason === "length" ? "MAX_TOKENS" : "COMPLETE",
        usage: usage(a),
      },
    };
  }
  return { ...base, chatResponse: genericChatResponse(a, usage(a)) };
}

function split(text: string, pieces: number): string[] {
  const words = text.split(/(?<=\s)/);
  const size = Math.max(1, Math.ceil(words.length / pieces));
  const out: string[] = [];
  for (let i = 0; i < words.length; i += size) out.push(words.slice(i, i + size).join(""));
  return out;
}

const pad = (n: number) => "a".repeat(1 + (n % 7));

async function* streamEvents(
  details: ChatDetails,
  a: SimulatedAnswer,
  opts: CallOptions,
  cancelled: AbortSignal,
): AsyncGenerator<unknown> {
  const format = (details.chatRequest as { apiFormat: string }).apiFormat;
  const req = details.chatRequest as { streamOptions?: { isIncludeUsage?: boolean } };
  const events: unknown[] = [];
  const pieces = split(a.text, PIECES);
  if (format === "COHERE") {
    pieces.forEach((p, i) => {
      events.push({ apiFormat: "COHERE", text: p, pad: pad(i) });
    });
    if (a.toolCalls.length)
      events.push({
        apiFormat: "COHERE",
        toolCalls: a.toolCalls.map((c) => ({ name: c.name, parameters: JSON.parse(c.arguments) })),
        pad: pad(1),
      });
    events.push({
      apiFormat: "COHERE",
      text: a.text,
      finishReason: COHERE_FINISH[a.finishReason],
      usage: usage(a),
      pad: pad(2),
    });
  } else if (format === "COHEREV2") {
    pieces.forEach((p, i) => {
      events.push({
        apiFormat: "COHEREV2",
        message: { role: "ASSISTANT", content: [{ type: "TEXT", text: p }] },
        pad: pad(i),
      });
    });
    if (a.toolCalls.length) {
      events.push({
        apiFormat: "COHEREV2",
        message: {
          role: "ASSISTANT",
          toolCalls: a.toolCalls.map((c) => ({
            id: c.id,
            type: "FUNCTION",
            function: { name: c.name, arguments: c.arguments },
          })),
        },
      });
    }
    events.push({
      apiFormat: "COHEREV2",
      finishReason:
        a.finishReason === "tool_calls" ? "TOOL_CALL" : a.finishReason === "length" ? "MAX_TOKENS" : "COMPLETE",
      usage: usage(a),
      pad: pad(3),
    });
  } else {
    // Several generations are sampled side by side, so their deltas interleave, each with its index.
    const choices = Array.from({ length: a.generations }, (_, index) => index);
    const text = (t: string) => ({ role: "ASSISTANT", content: [{ type: "TEXT", text: t }] });
    for (const index of choices) events.push({ index, message: text(""), pad: pad(index) });
    pieces.forEach((p, i) => {
      for (const index of choices) events.push({ index, message: text(p), pad: pad(i + 1) });
    });
    for (const index of choices)
      for (const c of a.toolCalls)
        events.push({
          index,
          message: {
            role: "ASSISTANT",
            toolCalls: [{ type: "FUNCTION", id: c.id, name: c.name, arguments: c.arguments }],
          },
          pad: pad(2),
        });
    // OCI's finish events carry no index (docs/oci-wire.md#generic-stream-events): with several
    // choices, one per choice, in index order, and without the empty message that would name choice 0.
    if (a.generations === 1) events.push({ message: text(""), finishReason: a.finishReason, pad: pad(3) });
    else for (const index of choices) events.push({ finishReason: a.finishReason, pad: pad(3 + index) });
    if (req.streamOptions?.isIncludeUsage) events.push({ usage: usage(a), pad: pad(4) });
  }
  for (const ev of events) {
    if (cancelled.aborted || opts.signal.aborted) return;
    await Bun.sleep(EVENT_GAP_MS);
    yield ev;
  }
}
