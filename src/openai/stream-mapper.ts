import type { ChatCompletionChunk, Usage } from "./types";

/** What every format's stream mapper offers: the service drives it, one OCI event at a time. */
export interface StreamMapper {
  start(): ChatCompletionChunk;
  push(event: unknown): ChatCompletionChunk[];
  /** OCI ended the stream; throws when it ended before a finish reason. */
  end(): ChatCompletionChunk[];
  readonly usage: Usage | undefined;
}

export function chunkOf(meta: { id: string; created: number; model: string }, choices: ChatCompletionChunk["choices"]): ChatCompletionChunk {
  return { id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model, choices };
}

export function roleChunk(meta: { id: string; created: number; model: string }): ChatCompletionChunk {
  return chunkOf(meta, [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]);
}
