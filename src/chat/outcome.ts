import { type Flow, type FlowMapper, type FlowOut, mapFlow } from "../lib/flow";
import { CHARS_PER_TOKEN } from "./estimate-tokens";
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
  /**
   * What the stream has cost so far, estimated: the input's estimate and the output that went by
   * at four characters a token. What is charged when the stream ends without OCI's usage (the
   * client left, OCI broke off): OCI still bills the prompt and what it generated.
   */
  spent(): TokenUsage;
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
  return new CoreStream(source, o, mapper);
}

/**
 * The stream, its accounting and the mapping stage's mapper in one object, with methods rather
 * than closures: one is alive per open stream (docs/architecture.md#memory-under-many-streams).
 */
class CoreStream implements ChatStream, FlowMapper<unknown, ChatEvent> {
  readonly kind = "stream";
  readonly events: Flow<ChatEvent>;
  readonly ociRequestId: string | undefined;
  private used: TokenUsage | undefined;
  private first: number | undefined;
  /** Characters of text, reasoning and tool calls that went by, for `spent()`. */
  private outChars = 0;

  constructor(
    source: AsyncIterable<unknown>,
    private readonly side: StreamSide,
    private readonly mapper: StreamMapper | undefined,
  ) {
    this.ociRequestId = side.ociRequestId;
    this.events = mapFlow(source, this);
  }

  cancel(): void {
    this.side.cancel();
  }

  usage(): TokenUsage | undefined {
    return this.used;
  }

  spent(): TokenUsage {
    const inputTokens = this.side.inputTokens ?? 0;
    const outputTokens = Math.ceil(this.outChars / CHARS_PER_TOKEN);
    return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens, estimated: true };
  }

  firstTokenAt(): number | undefined {
    return this.first;
  }

  push(raw: unknown, out: FlowOut<ChatEvent>): void {
    if (this.mapper) this.each(this.mapper.push(raw), out);
    else this.pass(raw as ChatEvent, out);
  }

  end(out: FlowOut<ChatEvent>): void {
    if (this.mapper) this.each(this.mapper.end(), out);
  }

  private each(evs: ChatEvent[], out: FlowOut<ChatEvent>): void {
    for (let i = 0; i < evs.length; i++) this.pass(evs[i]!, out);
  }

  private pass(ev: ChatEvent, out: FlowOut<ChatEvent>): void {
    if (ev.type === "usage") this.used = ev.usage;
    else if (this.first === undefined && ev.type !== "finish" && ev.type !== "agent") this.first = performance.now();
    if (ev.type === "text" || ev.type === "reasoning") this.outChars += ev.text.length;
    else if (ev.type === "tool_call") this.outChars += ev.name.length + ev.arguments.length;
    else if (ev.type === "tool_arguments") this.outChars += ev.arguments.length;
    out.next(ev);
  }
}

/**
 * The same stream with other events (what a pool makes after waiting for the first one); its
 * accounting and cancel stay the original's.
 */
export function withEvents(s: ChatStream, events: AsyncIterable<ChatEvent>): ChatStream {
  return new Rewired(s, events);
}

/**
 * What wraps a core stream and answers for its accounting (the pool's rewired stream, a family's
 * reply): the cancel, the usage and the first token stay the core stream's.
 */
export abstract class OverStream {
  readonly kind = "stream";
  readonly ociRequestId: string | undefined;

  constructor(protected readonly core: ChatStream) {
    this.ociRequestId = core.ociRequestId;
  }

  cancel(): void {
    this.core.cancel();
  }

  usage(): TokenUsage | undefined {
    return this.core.usage();
  }

  spent(): TokenUsage {
    return this.core.spent();
  }

  firstTokenAt(): number | undefined {
    return this.core.firstTokenAt();
  }
}

class Rewired extends OverStream implements ChatStream {
  constructor(
    core: ChatStream,
    readonly events: AsyncIterable<ChatEvent>,
  ) {
    super(core);
  }
}

/** What a stream's producer gives besides its events: OCI's request id and how to abort it. */
interface StreamSide {
  ociRequestId?: string;
  cancel(): void;
  /** The input's estimated tokens (chat/estimate-tokens.ts), when known. */
  inputTokens?: number;
}

/** A random id for one answer: families build their own ids from it, tool calls without one too. */
export function newAnswerId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}
