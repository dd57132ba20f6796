import { UpstreamError } from "../../errors/upstream-error";
import type { ChatCompletionChunk, Usage } from "../../families/openai/types";

/** What every format's stream mapper offers: the service drives it, one OCI event at a time. */
export interface StreamMapper {
  start(): ChatCompletionChunk;
  push(event: unknown): ChatCompletionChunk[];
  /** OCI ended the stream; throws when it ended before a finish reason. */
  end(): ChatCompletionChunk[];
  readonly usage: Usage | undefined;
}

export function chunkOf(
  meta: { id: string; created: number; model: string },
  choices: ChatCompletionChunk["choices"],
): ChatCompletionChunk {
  return { id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model, choices };
}

export function roleChunk(meta: { id: string; created: number; model: string }): ChatCompletionChunk {
  return chunkOf(meta, [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]);
}

/**
 * What the three formats' mappers share: the opening role chunk, and a close that insists OCI
 * finished (a stream cut before its finish reason is an upstream failure) and adds the usage
 * chunk when the client asked for it. Subclasses map the events and set `finished` and `usage`.
 */
export abstract class BaseStreamMapper implements StreamMapper {
  protected finished = false;
  usage: Usage | undefined;

  constructor(
    protected readonly meta: { id: string; created: number; model: string },
    private readonly includeUsage: boolean,
  ) {}

  start(): ChatCompletionChunk {
    return roleChunk(this.meta);
  }

  abstract push(event: unknown): ChatCompletionChunk[];

  end(): ChatCompletionChunk[] {
    if (!this.finished) throw new UpstreamError("bad_response", "the stream ended before OCI sent a finish reason");
    return this.includeUsage && this.usage ? [{ ...chunkOf(this.meta, []), usage: this.usage }] : [];
  }
}
