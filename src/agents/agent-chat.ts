import type { ChatBackend } from "../chat/chat-service";
import { type ChatOutcome, chatStream } from "../chat/outcome";
import type { AgentTurn, ChatAnswer, ChatCall, ChatEvent, Conversation, ToolCall } from "../chat/types";
import type { OciEventStream, OciTransport } from "../oci/transport";
import { conversationToAgentInput } from "./agent-input";
import { rejectWhatAgentsCannotDo } from "./agent-request-checks";
import { AgentStreamReader } from "./agent-stream-reader";
import { agentTurn, agentTurnStream } from "./agent-turn";
import type { AgentAnswer } from "./read-agent-result";
import type { SessionManager, Turn, TurnOutcome } from "./session-manager";

/**
 * An agent alias as a chat backend. The conversation's OCI session is found or made (automatic
 * mode) or taken as the client named it (manual mode); only the newest turn is sent, with the
 * earlier ones as context when the session is new. The agent's required function calls become
 * tool calls, its approval prompts are appended to the text. A stream holds the conversation's
 * lock until it ends.
 */
export async function runAgentChat(
  transport: OciTransport,
  sessions: SessionManager,
  call: ChatCall,
): Promise<ChatOutcome> {
  const { alias, conversation: conv } = call;
  if (!conv) throw new Error(`agent alias '${alias.alias}' called without a conversation`);
  rejectWhatAgentsCannotDo(call.request);
  const input = conversationToAgentInput(call.request.messages);
  const opts = { signal: call.signal, requestId: call.requestId };
  const run = <R>(turn: Turn<R>): Promise<TurnOutcome<R>> =>
    conv.kind === "auto"
      ? sessions.auto({ alias, owner: call.owner, channel: conv.channel, cuid: conv.cuid }, opts, turn)
      : sessions.manual(alias, call.owner, conv.sessionId, opts, turn);

  if (call.request.stream !== true) {
    const t = await run((sessionId, fresh) => agentTurn({ transport, alias, input, sessionId, fresh, opts }));
    await t.release();
    const { answer, ociRequestId } = t.result;
    return { kind: "answer", answer: agentAnswer(answer, turnInfo(conv, t, answer)), ociRequestId };
  }
  const t: TurnOutcome<OciEventStream> = await run((sessionId, fresh) =>
    agentTurnStream({ transport, alias, input, sessionId, fresh, opts }),
  );
  return agentStream(t, conv);
}

function turnInfo(conv: Conversation, t: TurnOutcome<unknown>, a: AgentAnswer): AgentTurn {
  return {
    sessionId: t.sessionId,
    ...(conv.kind === "auto" ? { sessionKey: `${conv.channel}:${conv.cuid}`, reused: t.reused } : {}),
    citations: a.citations,
    timeCreated: a.timeCreated,
  };
}

/**
 * The turn's stream, made outside `runAgentChat`: closures made in an async function keep all of
 * its locals alive — the conversation and its conversion, the whole prompt — for as long as the
 * stream lasts.
 */
function agentStream(t: TurnOutcome<OciEventStream>, conv: Conversation): ChatOutcome {
  const reader = new AgentStreamReader();
  async function* events(): AsyncGenerator<ChatEvent> {
    try {
      for await (const ev of t.result.events) {
        const text = reader.push(ev);
        if (text) yield { type: "text", choice: 0, text };
      }
      yield* closingEvents(reader.answer(), (a) => turnInfo(conv, t, a));
    } finally {
      await t.release();
    }
  }
  return chatStream(events(), {
    ociRequestId: t.result.opcRequestId,
    cancel: () => {
      t.result.cancel();
      void t.release();
    },
  });
}

function toolCalls(a: AgentAnswer): ToolCall[] {
  return a.functionCalls.map((c) => ({ id: c.actionId, name: c.name, arguments: c.arguments }));
}

function agentAnswer(a: AgentAnswer, agent: AgentTurn): ChatAnswer {
  const calls = toolCalls(a);
  const text = [a.text, ...a.approvals].filter(Boolean).join("\n\n");
  return {
    choices: [
      {
        index: 0,
        text: calls.length && text === "" ? undefined : text,
        toolCalls: calls,
        finishReason: calls.length ? "tool_calls" : "stop",
      },
    ],
    usage: a.usage,
    agent,
  };
}

/**
 * After the streamed text: approval prompts, the turn, the required calls (whole), the finish.
 * The turn comes before the calls: it carries the text's citations, and a family's writer closes
 * the text (its annotations with it) when the first call opens.
 */
function* closingEvents(a: AgentAnswer, turn: (a: AgentAnswer) => AgentTurn): Generator<ChatEvent> {
  const approvals = a.approvals.join("\n\n");
  if (approvals) yield { type: "text", choice: 0, text: (a.text ? "\n\n" : "") + approvals };
  yield { type: "agent", agent: turn(a) };
  const calls = toolCalls(a);
  for (const [index, c] of calls.entries()) yield { type: "tool_call", choice: 0, index, ...c };
  yield { type: "finish", choice: 0, reason: calls.length ? "tool_calls" : "stop" };
  if (a.usage) yield { type: "usage", usage: a.usage };
}

/** Agent aliases as the chat core's backend for them. */
export class AgentChat implements ChatBackend {
  constructor(
    private readonly transport: OciTransport,
    private readonly sessions: SessionManager,
  ) {}

  run(call: ChatCall): Promise<ChatOutcome> {
    return runAgentChat(this.transport, this.sessions, call);
  }
}
