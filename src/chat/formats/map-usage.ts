import type { Usage } from "../../families/openai/types";
import { isRec, optNumber } from "../../oci/reply-shapes";

/** OCI usage (camelCase, optional details) → OpenAI usage; undefined when OCI sent none. */
export function mapUsage(u: unknown): Usage | undefined {
  if (!isRec(u)) return undefined;
  const prompt = optNumber(u.promptTokens) ?? 0;
  const completion = optNumber(u.completionTokens) ?? 0;
  const out: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: optNumber(u.totalTokens) ?? prompt + completion,
  };
  if (isRec(u.promptTokensDetails)) {
    const cached = optNumber(u.promptTokensDetails.cachedTokens);
    if (cached !== undefined) out.prompt_tokens_details = { cached_tokens: cached };
  }
  if (isRec(u.completionTokensDetails)) {
    const d = u.completionTokensDetails;
    const details: NonNullable<Usage["completion_tokens_details"]> = {};
    const reasoning = optNumber(d.reasoningTokens);
    const accepted = optNumber(d.acceptedPredictionTokens);
    if (reasoning !== undefined) details.reasoning_tokens = reasoning;
    if (accepted !== undefined) details.accepted_prediction_tokens = accepted;
    if (Object.keys(details).length > 0) out.completion_tokens_details = details;
  }
  return out;
}
