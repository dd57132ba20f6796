import type { ChatAnswer, ChatEvent, TokenUsage } from "./types";

/** A streamed answer from the core: events as OCI sends them, with what the HTTP layer accounts. */
export interface ChatStream {
  kind: "stream";
  events: AsyncIterable<ChatEvent>;
  ociRequestId?: string;
  /** Aborts the upstream work (the client went away). */
  cancel(): void;
  /** Known once the stream has ended. */
  usage(): TokenUsage | undefined;
  /** `performance.now()` when the first text, reasoning or tool call went out. */
  firstTokenAt(): number | undefined;
}

/** What the chat core answers: a whole answer, or a stream of events. */
export type ChatOutcome = { kind: "answer"; answer: ChatAnswer; ociRequestId?: string } | ChatStream;

/**
 * Wraps a source of events into a ChatStream that remembers the usage and the moment of the
 * first token, so no family has to look for them in its own frames.
 */
export function chatStream(source: AsyncIterable<ChatEvent>, o: { ociRequestId?: string; cancel(): void }): ChatStream {
  let usage: TokenUsage | undefined;
  let first: number | undefined;
  async function* events(): AsyncGenerator<ChatEvent> {
    for await (const ev of source) {
      if (ev.type === "usage") usage = ev.usage;
      else if (first === undefined && ev.type !== "finish" && ev.type !== "agent") first = performance.now();
      yield ev;
    }
  }
  return {
    kind: "stream",
    events: events(),
    ociRequestId: o.ociRequestId,
    cancel: o.cancel,
    usage: () => usage,
    firstTokenAt: () => first,
  };
}

/** A random id for one answer: families build their own ids from it, tool calls without one too. */
export function newAnswerId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}
