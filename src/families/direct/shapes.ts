import type { TokenUsage } from "../../chat/types";
import type { ApiError } from "../../errors/api-error";
import { envelope } from "../../errors/envelopes";
import type { SseFrame } from "../../http/sse";

/** The seed's usage object. */
export interface DirectUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function directUsage(u: TokenUsage | undefined): DirectUsage | undefined {
  return u && { prompt_tokens: u.inputTokens, completion_tokens: u.outputTokens, total_tokens: u.totalTokens };
}

/** A failure inside a seed stream: `data: {"error": "..."}`, like its JSON errors. */
export const directErrorFrame = (e: ApiError): SseFrame => ({ data: envelope("direct", e) });
