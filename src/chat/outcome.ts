import { type Flow, mapFlow } from "../lib/flow";
import type { StreamMapper } from "./formats/stream-mapper";
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
 * first token, so no family has to look for them in its own frames. Given a format's stream
 * mapper, the source is OCI's events and they are mapped in the same pass. The events are a
 * pushed flow (lib/flow.ts): each OCI event becomes the core's events in the call that delivers it.
 */
export function chatStream(source: AsyncIterable<ChatEvent>, o: StreamSide): ChatStream;
export function chatStream(source: AsyncIterable<unknown>, o: StreamSide, mapper: StreamMapper): ChatStream;
export function chatStream(source: AsyncIterable<unknown>, o: StreamSide, mapper?: StreamMapper): ChatStream {
  let usage: TokenUsage | undefined;
  let first: number | undefined;
  const note = (ev: ChatEvent) => {
    if (ev.type === "usage") usage = ev.usage;
    else if (first === undefined && ev.type !== "finish" && ev.type !== "agent") first = performance.now();
  };
  const each = (evs: ChatEvent[], out: { next(ev: ChatEvent): void }) => {
    for (let i = 0; i < evs.length; i++) {
      note(evs[i]!);
      out.next(evs[i]!);
    }
  };
  const events: Flow<ChatEvent> = mapper
    ? mapFlow(source, {
        push: (raw, out) => each(mapper.push(raw), out),
        end: (out) => each(mapper.end(), out),
      })
    : mapFlow(source as AsyncIterable<ChatEvent>, {
        push(ev, out) {
          note(ev);
          out.next(ev);
        },
        end() {},
      });
  return {
    kind: "stream",
    events,
    ociRequestId: o.ociRequestId,
    cancel: o.cancel,
    usage: () => usage,
    firstTokenAt: () => first,
  };
}

/** What a stream's producer gives besides its events: OCI's request id and how to abort it. */
interface StreamSide {
  ociRequestId?: string;
  cancel(): void;
}

/** A random id for one answer: families build their own ids from it, tool calls without one too. */
export function newAnswerId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}
