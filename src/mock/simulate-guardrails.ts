/**
 * TEST_MODE's stand-in for OCI's guardrails (docs/api/moderations.md): the same answer shape and
 * the same binary scores, decided by a few plain rules so client teams can test both outcomes —
 * a small list of harmful words flags OVERALL, "ignore previous instructions"-style text flags
 * prompt injection, and e-mail addresses, phone numbers and IP addresses are found as PII.
 */
const HARMFUL = /\b(kill|murder|hate you|idiot|stupid|bomb|attack them)\b/i;
const INJECTION =
  /\b(ignore (all |any )?(the )?(previous|prior|above) instructions|reveal (the |your )?system prompt|disregard (your|the) (rules|instructions))\b/i;
/**
 * A phone number as people write one: the North American layout, with or without a country code
 * (555-123-4567, (555) 123-4567, +1 555.123.4567), or an international one led by its `+`
 * country code (+44 20 7946 0958). Separators are required, so years, prices, dates and ids —
 * digits alone — are not taken for phone numbers.
 */
const TELEPHONE = new RegExp(
  [
    String.raw`(?<![\w+])(?:(?:\+\d{1,3}|1)[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\w)`,
    String.raw`(?<![\w+])\+\d{1,3}(?:[ .-]\(?\d{1,4}\)?){1,2}(?:[ .-]\d{2,5}){2,4}(?!\w)`,
  ].join("|"),
  "g",
);
const PII: Array<{ label: string; pattern: RegExp }> = [
  { label: "EMAIL", pattern: /[\w.+-]+@[\w-]+(\.[\w-]+)+/g },
  { label: "TELEPHONE_NUMBER", pattern: TELEPHONE },
  { label: "IP_ADDRESS", pattern: /\b(\d{1,3}\.){3}\d{1,3}\b/g },
];
/** What OCI answers without a `guardrailVersionConfig`. */
const DEFAULT_GUARDRAIL_VERSION = "1.0.1";

type Modality = "TEXT" | "IMAGE";

export interface SimulatedGuardrails {
  contentModeration?: { categories: Array<{ name: string; score: number; flaggedModalities?: Modality[] }> };
  personallyIdentifiableInformation?: Array<{
    text: string;
    label: string;
    offset: number;
    length: number;
    score: number;
  }>;
  promptInjection?: { score: number; flaggedModalities?: Modality[] };
}

/**
 * OCI's `results` for one text, for the guardrails that were asked for. `multimodal` when the
 * text came from a `multimodalInput`: OCI then says which modalities each verdict flagged, and the
 * simulation only ever flags the text.
 */
export function simulateGuardrails(
  text: string,
  asked: { contentModeration: boolean; pii: readonly string[] | undefined; promptInjection: boolean },
  multimodal = false,
): SimulatedGuardrails {
  const out: SimulatedGuardrails = {};
  const verdict = (flagged: boolean) => ({
    score: flagged ? 1 : 0,
    ...(multimodal ? { flaggedModalities: flagged ? (["TEXT"] as Modality[]) : [] } : {}),
  });
  if (asked.contentModeration)
    out.contentModeration = {
      categories: [
        { name: "OVERALL", ...verdict(HARMFUL.test(text)) },
        { name: "BLOCKLIST", ...verdict(false) },
      ],
    };
  if (asked.pii) {
    const found: NonNullable<SimulatedGuardrails["personallyIdentifiableInformation"]> = [];
    for (const { label, pattern } of PII) {
      if (asked.pii.length > 0 && !asked.pii.includes(label)) continue;
      for (const m of text.matchAll(pattern))
        found.push({ text: m[0], label, offset: m.index ?? 0, length: m[0].length, score: 0.99 });
    }
    out.personallyIdentifiableInformation = found.sort((a, b) => a.offset - b.offset);
  }
  if (asked.promptInjection) out.promptInjection = verdict(INJECTION.test(text));
  return out;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The text OCI's guardrails read in an applyGuardrails body: `input`'s (OCI ignores
 * `multimodalInput` when both are given), else the TEXT items of `multimodalInput`, one a line
 * as the gateway joins the text of an input without images, so PII offsets count in that text.
 * Images add no text: only content moderation looks at them.
 */
function guardrailsText(body: { input?: unknown; multimodalInput?: unknown }): {
  text: string;
  multimodal: boolean;
} {
  const textOf = (item: unknown) =>
    isRec(item) && item.type === "TEXT" && typeof item.content === "string" ? item.content : undefined;
  if (body.input !== undefined) return { text: textOf(body.input) ?? "", multimodal: false };
  const items = Array.isArray(body.multimodalInput) ? body.multimodalInput : [];
  return {
    text: items.flatMap((i) => textOf(i) ?? []).join("\n"),
    multimodal: items.length > 0,
  };
}

/** OCI's ApplyGuardrailsResult for an applyGuardrails body, as TEST_MODE and the tests' fake OCI answer it. */
export function simulateApplyGuardrails(body: {
  input?: unknown;
  multimodalInput?: unknown;
  guardrailConfigs: {
    contentModerationConfig?: unknown;
    personallyIdentifiableInformationConfig?: { types?: unknown };
    promptInjectionConfig?: unknown;
  };
  guardrailVersionConfig?: { guardrailVersion?: unknown };
}) {
  const { text, multimodal } = guardrailsText(body);
  const c = body.guardrailConfigs;
  const types = c.personallyIdentifiableInformationConfig?.types;
  const version = body.guardrailVersionConfig?.guardrailVersion;
  return {
    results: simulateGuardrails(
      text,
      {
        contentModeration: c.contentModerationConfig !== undefined,
        pii: c.personallyIdentifiableInformationConfig
          ? Array.isArray(types)
            ? types.filter((t): t is string => typeof t === "string")
            : []
          : undefined,
        promptInjection: c.promptInjectionConfig !== undefined,
      },
      multimodal,
    ),
    guardrailVersion: { version: typeof version === "string" ? version : DEFAULT_GUARDRAIL_VERSION },
  };
}
