import { UpstreamError } from "../errors/upstream-error";
import { type ModerationResult, OCI_CATEGORIES, OPENAI_CATEGORIES } from "./schemas";

const isRec = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
/** OCI's scores are binary today (0.0 or 1.0); anything from 0.5 up counts as flagged. */
const FLAG_AT = 0.5;

/**
 * OCI's guardrail results for one input as OpenAI's moderation result (docs/api/moderations.md):
 * OpenAI's thirteen categories are always there but never set, since OCI's content moderation
 * answers one overall verdict, not a breakdown; OCI's own verdicts come as `oci/overall`,
 * `oci/blocklist`, `oci/prompt_injection` and `oci/pii`, and `flagged` is true when any of them is.
 */
export function mapGuardrailsResult(body: unknown, inputTypes: readonly string[]): ModerationResult {
  if (!isRec(body) || !isRec(body.results))
    throw new UpstreamError("bad_response", "applyGuardrails answer without results");
  const r = body.results;
  const cm =
    isRec(r.contentModeration) && Array.isArray(r.contentModeration.categories) ? r.contentModeration.categories : [];
  const score = (name: string) => {
    const c = cm.find((x: unknown) => isRec(x) && x.name === name) as Record<string, unknown> | undefined;
    return typeof c?.score === "number" ? c.score : 0;
  };
  const pii = Array.isArray(r.personallyIdentifiableInformation)
    ? r.personallyIdentifiableInformation.filter(isRec).map((p) => ({
        text: String(p.text ?? ""),
        label: String(p.label ?? ""),
        offset: typeof p.offset === "number" ? p.offset : 0,
        length: typeof p.length === "number" ? p.length : 0,
        score: typeof p.score === "number" ? p.score : 0,
      }))
    : [];
  const injection =
    isRec(r.promptInjection) && typeof r.promptInjection.score === "number" ? r.promptInjection.score : 0;
  const scores: Record<string, number> = {};
  const flags: Record<string, boolean> = {};
  const applied: Record<string, string[]> = {};
  for (const c of OPENAI_CATEGORIES) {
    scores[c] = 0;
    flags[c] = false;
    applied[c] = [];
  }
  const oci: Record<(typeof OCI_CATEGORIES)[number], number> = {
    "oci/overall": score("OVERALL"),
    "oci/blocklist": score("BLOCKLIST"),
    "oci/prompt_injection": injection,
    "oci/pii": pii.reduce((m, p) => Math.max(m, p.score), 0),
  };
  for (const c of OCI_CATEGORIES) {
    scores[c] = oci[c];
    flags[c] = oci[c] >= FLAG_AT;
    // Only content moderation looks at images; the other guardrails read the text.
    applied[c] = c === "oci/overall" ? [...inputTypes] : inputTypes.filter((t) => t === "text");
  }
  return {
    flagged: OCI_CATEGORIES.some((c) => flags[c]),
    categories: flags,
    category_scores: scores,
    category_applied_input_types: applied,
    oci: { pii },
  };
}
