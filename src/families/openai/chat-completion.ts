import type { ChatOutcome } from "../../chat/outcome";
import type { AgentTurn, ChatAnswer, ChatEvent } from "../../chat/types";
import { envelope } from "../../errors/envelopes";
import { type Reply, streamReply } from "../../http/respond";
import type { SseFrame } from "../../http/sse";
import { mapFlow } from "../../lib/flow";
import type { AgentInfo, ChatCompletion, ChatCompletionChunk } from "./types";
import { openAiUsage } from "./usage";

/** What every object of one answer shares: its id, creation time and the alias as `model`. */
export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

export function newCompletionMeta(model: string, prefix = "chatcmpl"): CompletionMeta {
  return { id: `${prefix}-${crypto.randomUUID().replaceAll("-", "")}`, created: Math.floor(Date.now() / 1000), model };
}

/** The `agent` object an answer from an agent alias carries. */
export function agentInfo(a: AgentTurn): AgentInfo {
  return { session_id: a.sessionId, session_key: a.sessionKey ?? "", reused: a.reused ?? true, citations: a.citations };
}

/** The core's answer as a `chat.completion`. */
export function toChatCompletion(a: ChatAnswer, meta: CompletionMeta): ChatCompletion {
  const out: ChatCompletion = {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: a.choices.map((c) => {
      const message: ChatCompletion["choices"][number]["message"] = {
        role: "assistant",
        content: c.text ?? (c.toolCalls.length ? null : ""),
      };
      if (c.toolCalls.length) {
        message.tool_calls = c.toolCalls.map((t) => ({
          id: t.id,
          type: "function",
          function: { name: t.name, arguments: t.arguments },
        }));
      }
      if (c.reasoning) message.reasoning_content = c.reasoning;
      if (c.refusal) message.refusal = c.refusal;
      return {
        index: c.index,
        message,
        logprobs: c.logprobs ? { content: c.logprobs } : null,
        finish_reason: c.finishReason,
      };
    }),
    usage: openAiUsage(a.usage),
  };
  if (a.serviceTier) out.service_tier = a.serviceTier;
  if (a.agent) out.agent = agentInfo(a.agent);
  return out;
}

/**
 * The core's events as `chat.completion.chunk`s: a first chunk with the role, deltas as they
 * come, the finish chunk (carrying `agent` for agent aliases), then the usage chunk when the
 * client asked for it. Pure; one instance per stream.
 */
export class ChunkWriter {
  private agent: AgentInfo | undefined;
  private usage: ChatCompletionChunk["usage"];
  /** Choices past 0 whose role went out (n > 1), with their first delta; 0's went with the opening chunk. */
  private started: Set<number> | undefined;

  constructor(
    private readonly meta: CompletionMeta,
    private readonly includeUsage: boolean,
  ) {}

  start(): ChatCompletionChunk {
    return this.chunk([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]);
  }

  push(ev: ChatEvent): ChatCompletionChunk[] {
    const delta = (
      choice: number,
      d: ChatCompletionChunk["choices"][number]["delta"],
      logprobs: ChatCompletionChunk["choices"][number]["logprobs"] = null,
    ) => [this.chunk([{ index: choice, delta: this.withRole(choice, d), logprobs, finish_reason: null }])];
    switch (ev.type) {
      case "text":
        return delta(ev.choice, { content: ev.text }, ev.logprobs ? { content: ev.logprobs } : null);
      case "reasoning":
        return delta(ev.choice, { reasoning_content: ev.text });
      case "tool_call":
        return delta(ev.choice, {
          tool_calls: [
            { index: ev.index, id: ev.id, type: "function", function: { name: ev.name, arguments: ev.arguments } },
          ],
        });
      case "tool_arguments":
        return delta(ev.choice, { tool_calls: [{ index: ev.index, function: { arguments: ev.arguments } }] });
      case "finish": {
        const c = this.chunk([
          { index: ev.choice, delta: this.withRole(ev.choice, {}), logprobs: null, finish_reason: ev.reason },
        ]);
        return [this.agent ? { ...c, agent: this.agent } : c];
      }
      case "usage":
        this.usage = openAiUsage(ev.usage);
        return [];
      case "agent":
        this.agent = agentInfo(ev.agent);
        return [];
      default: {
        const never: never = ev;
        throw new Error(`unknown chat event ${JSON.stringify(never)}`);
      }
    }
  }

  end(): ChatCompletionChunk[] {
    return this.includeUsage ? [{ ...this.chunk([]), usage: this.usage ?? openAiUsage() }] : [];
  }

  /** A choice's first delta carries its role, as OpenAI's stream (and the SDK's stream helper) has it. */
  private withRole(
    choice: number,
    d: ChatCompletionChunk["choices"][number]["delta"],
  ): ChatCompletionChunk["choices"][number]["delta"] {
    if (choice === 0 || this.started?.has(choice)) return d;
    this.started ??= new Set();
    this.started.add(choice);
    return { role: "assistant", ...d };
  }

  private chunk(choices: ChatCompletionChunk["choices"]): ChatCompletionChunk {
    return {
      id: this.meta.id,
      object: "chat.completion.chunk",
      created: this.meta.created,
      model: this.meta.model,
      choices,
    };
  }
}

/** The OpenAI family's error event inside a stream: the same envelope as its JSON errors. */
export const openAiErrorFrame = (e: Parameters<typeof envelope>[1]): SseFrame => ({ data: envelope("openai", e) });

/** A chat outcome as the OpenAI chat answer: a chat.completion, or chunks ending in `[DONE]`. */
export function chatCompletionReply(
  out: ChatOutcome,
  meta: CompletionMeta,
  includeUsage: boolean,
): Reply<ChatCompletion> {
  if (out.kind === "answer") {
    return {
      kind: "json",
      body: toChatCompletion(out.answer, meta),
      ociRequestId: out.ociRequestId,
      usage: out.answer.usage,
    };
  }
  const writer = new ChunkWriter(meta, includeUsage);
  const frames = mapFlow<ChatEvent, SseFrame>(out.events, {
    push(ev, to) {
      for (const c of writer.push(ev)) to.next({ data: c });
    },
    end(to) {
      for (const c of writer.end()) to.next({ data: c });
      to.next({ data: "[DONE]" });
    },
  });
  return streamReply(out, frames, openAiErrorFrame, { opening: { data: writer.start() } });
}
