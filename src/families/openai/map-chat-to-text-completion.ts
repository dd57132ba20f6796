import type { ChatCompletionRequest, CompletionRequest } from "./schemas";
import type { ChatCompletion, ChatCompletionChunk, TextCompletion } from "./types";

/** Legacy completions run as one chat turn: the prompt is the user message. */
export function completionToChatRequest(req: CompletionRequest, prompt: string): ChatCompletionRequest {
  const { prompt: _p, suffix: _s, echo: _e, model, ...sampling } = req;
  return { ...sampling, model, messages: [{ role: "user", content: prompt }] };
}

export function chatToTextCompletion(
  c: ChatCompletion,
  index: number,
  prompt: string,
  echo: boolean,
): TextCompletion["choices"][number] {
  const choice = c.choices[0]!;
  return {
    text: (echo ? prompt : "") + (choice.message.content ?? ""),
    index,
    logprobs: null,
    finish_reason: choice.finish_reason,
  };
}

/** A chat chunk as a text_completion chunk; undefined for chunks that carry no text or finish. */
export function chatChunkToText(chunk: ChatCompletionChunk, id: string): TextCompletion | undefined {
  if (chunk.usage)
    return {
      id,
      object: "text_completion",
      created: chunk.created,
      model: chunk.model,
      choices: [],
      usage: chunk.usage,
    };
  const c = chunk.choices[0];
  if (!c) return undefined;
  const text = c.delta.content ?? "";
  if (text === "" && c.finish_reason === null) return undefined;
  return {
    id,
    object: "text_completion",
    created: chunk.created,
    model: chunk.model,
    choices: [{ text, index: c.index, logprobs: null, finish_reason: c.finish_reason }],
  };
}
