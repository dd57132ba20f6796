import type { ChatOutcome } from "../../chat/outcome";
import type { AgentTurn, ChatEvent, TokenUsage } from "../../chat/types";
import { type Reply, streamReply } from "../../http/respond";
import type { SseFrame } from "../../http/sse";
import { mapFlow } from "../../lib/flow";
import { type DirectUsage, directErrorFrame, directUsage } from "./shapes";

export interface SeedAgentAnswer {
  agentResponse: { role: "ASSISTANT"; content: Array<{ text: string }>; timeCreated: string; citations?: unknown[] };
  sessionInfo: { sessionId: string; sessionKey?: string; reused?: boolean };
  usage?: DirectUsage;
}

/** The seed's `{agentResponse, sessionInfo, usage?}` for one agent turn. */
function seedAnswer(text: string, agent: AgentTurn, u: TokenUsage | undefined): SeedAgentAnswer {
  const usage = directUsage(u);
  const sessionInfo =
    agent.sessionKey !== undefined
      ? { sessionId: agent.sessionId, sessionKey: agent.sessionKey, reused: agent.reused ?? false }
      : { sessionId: agent.sessionId };
  return {
    agentResponse: {
      role: "ASSISTANT",
      content: [{ text }],
      timeCreated: agent.timeCreated,
      ...(agent.citations.length ? { citations: agent.citations } : {}),
    },
    sessionInfo,
    ...(usage ? { usage } : {}),
  };
}

/** `{"delta"}` per piece of text, then the whole answer, then `[DONE]`. */
function agentFrames(events: AsyncIterable<ChatEvent>): AsyncIterable<SseFrame> {
  let text = "";
  let agent: AgentTurn | undefined;
  let usage: TokenUsage | undefined;
  return mapFlow<ChatEvent, SseFrame>(events, {
    push(ev, out) {
      if (ev.type === "text") {
        text += ev.text;
        out.next({ data: { delta: ev.text } });
      } else if (ev.type === "agent") agent = ev.agent;
      else if (ev.type === "usage") usage = ev.usage;
    },
    end(out) {
      if (!agent) throw new Error("an agent stream ended without its session");
      out.next({ data: seedAnswer(text, agent, usage) });
      out.next({ data: "[DONE]" });
    },
  });
}

/** `POST /genai/{alias}/chat`: the core's agent outcome in the seed's shapes. */
export function agentChatReply(out: ChatOutcome): Reply<SeedAgentAnswer> {
  if (out.kind === "answer") {
    const { agent, usage } = out.answer;
    if (!agent) throw new Error("an agent answer without its session");
    const body = seedAnswer(out.answer.choices[0]?.text ?? "", agent, usage);
    return { kind: "json", body, ociRequestId: out.ociRequestId, usage };
  }
  return streamReply(out, agentFrames(out.events), directErrorFrame);
}
