import { type Static, t } from "elysia";

/** `/v1/moderations` as OpenAI defines it (docs/api/moderations.md). */
const TextPart = t.Object({ type: t.Literal("text"), text: t.String() });
const ImagePart = t.Object({
  type: t.Literal("image_url"),
  image_url: t.Object({ url: t.String({ description: "A data: URL or an http(s) URL the gateway fetches" }) }),
});

export const ModerationInput = t.Union([t.String(), t.Array(t.String()), t.Array(t.Union([TextPart, ImagePart]))], {
  description:
    "A text; several texts (one result each); or one input made of text and image parts (one result; images need OCI's guardrails 1.1.0)",
});

export const ModerationRequest = t.Object({
  input: ModerationInput,
  model: t.Optional(
    t.String({
      description:
        "A moderation alias (capability moderation), by name or extra name such as omni-moderation-latest; default: the first one in llm_models.json",
    }),
  ),
});
export type ModerationRequest = Static<typeof ModerationRequest>;

export type ModerationPart = { type: "text"; text: string } | { type: "image_url"; image_url: { url: string } };

/** OpenAI's categories, always present so clients can read any of them; OCI's own follow. */
export const OPENAI_CATEGORIES = [
  "harassment",
  "harassment/threatening",
  "hate",
  "hate/threatening",
  "illicit",
  "illicit/violent",
  "self-harm",
  "self-harm/intent",
  "self-harm/instructions",
  "sexual",
  "sexual/minors",
  "violence",
  "violence/graphic",
] as const;

export const OCI_CATEGORIES = ["oci/overall", "oci/blocklist", "oci/prompt_injection", "oci/pii"] as const;

const Flags = t.Record(t.String(), t.Boolean());
const Scores = t.Record(t.String(), t.Number());

export const ModerationResult = t.Object({
  flagged: t.Boolean(),
  categories: Flags,
  category_scores: Scores,
  category_applied_input_types: t.Record(t.String(), t.Array(t.String())),
  oci: t.Object({
    pii: t.Array(
      t.Object({ text: t.String(), label: t.String(), offset: t.Number(), length: t.Number(), score: t.Number() }),
    ),
  }),
});
export type ModerationResult = Static<typeof ModerationResult>;

export const ModerationResponse = t.Object({
  id: t.String(),
  model: t.String(),
  results: t.Array(ModerationResult),
});
export type ModerationResponse = Static<typeof ModerationResponse>;
