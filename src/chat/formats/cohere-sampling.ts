import type { ChatRequest } from "../types";
import type { mergeSampling } from "./sampling-params";

/** The sampling fields both Cohere formats share, under the names both use. */
export function cohereSampling(s: ReturnType<typeof mergeSampling>, req: ChatRequest, stream: boolean) {
  return {
    ...(s.temperature !== undefined && { temperature: s.temperature }),
    ...(s.topP !== undefined && { topP: s.topP }),
    // OpenAI-style -1 ("no limit") is Cohere's 0.
    ...(s.topK !== undefined && { topK: Math.max(s.topK, 0) }),
    ...(s.frequencyPenalty !== undefined && { frequencyPenalty: s.frequencyPenalty }),
    ...(s.presencePenalty !== undefined && { presencePenalty: s.presencePenalty }),
    ...(req.seed !== undefined && { seed: req.seed }),
    ...(req.stop != null && { stopSequences: typeof req.stop === "string" ? [req.stop] : req.stop }),
    ...(stream && { streamOptions: { isIncludeUsage: true } }),
  };
}
