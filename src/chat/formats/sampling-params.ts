import type { AliasParams } from "../../config/types";
import { badRequest } from "../../errors/api-error";
import type { ReasoningEffort, Verbosity } from "../../oci/wire";
import type { ChatRequest } from "../types";

/** When neither request nor alias sets a limit: OCI's own default stops after a few dozen tokens. */
export const DEFAULT_MAX_TOKENS = 2048;

const EFFORTS = ["none", "minimal", "low", "medium", "high"];
const VERBOSITIES = ["low", "medium", "high"];

type Sampling = Pick<
  ChatRequest,
  | "temperature"
  | "top_p"
  | "top_k"
  | "max_tokens"
  | "max_completion_tokens"
  | "frequency_penalty"
  | "presence_penalty"
  | "reasoning_effort"
  | "preferred_reasoning_effort"
  | "verbosity"
>;

/** The request's values over the alias's `params` defaults, with the token limit resolved once. */
export function mergeSampling(req: Sampling, defaults: AliasParams) {
  const limit = defaults.max_tokens_limit;
  for (const param of ["max_completion_tokens", "max_tokens"] as const) {
    const asked = req[param];
    if (limit !== undefined && asked !== undefined && asked > limit) {
      throw badRequest(
        `Invalid value for '${param}': this model allows at most ${limit} output tokens`,
        param,
        "max_tokens_limit",
      );
    }
  }
  return {
    temperature: req.temperature ?? defaults.temperature,
    topP: req.top_p ?? defaults.top_p,
    topK: req.top_k ?? defaults.top_k,
    frequencyPenalty: req.frequency_penalty ?? defaults.frequency_penalty,
    presencePenalty: req.presence_penalty ?? defaults.presence_penalty,
    maxTokens: Math.min(
      req.max_completion_tokens ??
        req.max_tokens ??
        defaults.max_completion_tokens ??
        defaults.max_tokens ??
        DEFAULT_MAX_TOKENS,
      limit ?? Infinity,
    ),
    reasoningEffort: upperEnum(
      req.reasoning_effort ?? req.preferred_reasoning_effort ?? defaults.reasoning_effort,
      EFFORTS,
      "reasoning_effort",
    ) as ReasoningEffort | undefined,
    verbosity: upperEnum(req.verbosity ?? defaults.verbosity, VERBOSITIES, "verbosity") as Verbosity | undefined,
  };
}

function upperEnum(v: string | undefined, allowed: string[], param: string): string | undefined {
  if (v === undefined) return undefined;
  const lower = v.toLowerCase();
  if (!allowed.includes(lower))
    throw badRequest(`Invalid value for '${param}': expected one of ${allowed.join(", ")}, got '${v}'`, param);
  return lower.toUpperCase();
}
