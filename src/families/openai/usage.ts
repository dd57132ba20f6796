import type { TokenUsage } from "../../chat/types";
import type { Usage } from "./types";

const NONE: TokenUsage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };

/** The core's token counts in OpenAI's names, with the details OCI gave. */
export function openAiUsage(u: TokenUsage = NONE): Usage {
  const out: Usage = { prompt_tokens: u.inputTokens, completion_tokens: u.outputTokens, total_tokens: u.totalTokens };
  if (u.cachedInputTokens !== undefined) out.prompt_tokens_details = { cached_tokens: u.cachedInputTokens };
  const details: NonNullable<Usage["completion_tokens_details"]> = {};
  if (u.reasoningTokens !== undefined) details.reasoning_tokens = u.reasoningTokens;
  if (u.acceptedPredictionTokens !== undefined) details.accepted_prediction_tokens = u.acceptedPredictionTokens;
  if (Object.keys(details).length > 0) out.completion_tokens_details = details;
  return out;
}
