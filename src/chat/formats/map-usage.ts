import { isRec, optNumber } from "../../oci/reply-shapes";
import type { TokenUsage } from "../types";

/** OCI usage (camelCase, optional details) → the core's token counts; undefined when OCI sent none. */
export function mapUsage(u: unknown): TokenUsage | undefined {
  if (!isRec(u)) return undefined;
  const input = optNumber(u.promptTokens) ?? 0;
  const output = optNumber(u.completionTokens) ?? 0;
  const out: TokenUsage = {
    inputTokens: input,
    outputTokens: output,
    totalTokens: optNumber(u.totalTokens) ?? input + output,
  };
  if (isRec(u.promptTokensDetails)) {
    const cached = optNumber(u.promptTokensDetails.cachedTokens);
    if (cached !== undefined) out.cachedInputTokens = cached;
  }
  if (isRec(u.completionTokensDetails)) {
    const reasoning = optNumber(u.completionTokensDetails.reasoningTokens);
    const accepted = optNumber(u.completionTokensDetails.acceptedPredictionTokens);
    if (reasoning !== undefined) out.reasoningTokens = reasoning;
    if (accepted !== undefined) out.acceptedPredictionTokens = accepted;
  }
  return out;
}
