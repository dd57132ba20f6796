import { badRequest } from "../errors/api-error";
import type { ApplyGuardrailsDetails } from "../oci/wire";
import type { ModerationPart } from "./schemas";

/** Texts per request: each is one OCI call. */
export const MAX_MODERATION_INPUTS = 32;
/** OCI's guardrails take images from this version on (docs/api/moderations.md#images). */
export const IMAGE_GUARDRAILS_VERSION = "1.1.0";
/** The PII types asked for: OCI's documented list for guardrails (docs/api/moderations.md#pii). */
export const PII_TYPES = [
  "PERSON",
  "ADDRESS",
  "AGE",
  "DATE_TIME",
  "SSN_OR_TAXPAYER",
  "EMAIL",
  "PASSPORT_NUMBER_US",
  "TELEPHONE_NUMBER",
  "DRIVER_ID_US",
  "BANK_ACCOUNT_NUMBER",
  "BANK_SWIFT",
  "BANK_ROUTING",
  "CREDIT_DEBIT_NUMBER",
  "IP_ADDRESS",
  "MAC_ADDRESS",
];

/** One moderated input: a text, or text and image parts judged together. */
export type ModerationItem = { kind: "text"; text: string } | { kind: "parts"; parts: ModerationPart[] };

/** The request's input as the items OCI is asked about, one result each. */
export function moderationItems(input: string | string[] | ModerationPart[]): ModerationItem[] {
  if (typeof input === "string") return [{ kind: "text", text: input }];
  if (input.length === 0) throw badRequest("'input' must not be empty", "input");
  if (typeof input[0] === "string") {
    const texts = input as string[];
    if (texts.length > MAX_MODERATION_INPUTS)
      throw badRequest(`'input' holds ${texts.length} texts; at most ${MAX_MODERATION_INPUTS} per request`, "input");
    return texts.map((text) => ({ kind: "text", text }));
  }
  return [{ kind: "parts", parts: input as ModerationPart[] }];
}

/**
 * The guardrails call for one input. Pure: image parts arrive here as data URLs already. Every
 * guardrail is asked for — content moderation (OVERALL, BLOCKLIST), prompt injection, PII.
 */
export function convertToApplyGuardrailsDetails(
  item: { text: string } | { parts: Array<{ type: "text"; text: string } | { type: "image"; url: string }> },
  compartmentId: string,
): ApplyGuardrailsDetails {
  const guardrailConfigs = {
    contentModerationConfig: { categories: ["OVERALL", "BLOCKLIST"] },
    personallyIdentifiableInformationConfig: { types: PII_TYPES },
    promptInjectionConfig: {},
  };
  if ("text" in item) return { compartmentId, input: { type: "TEXT", content: item.text }, guardrailConfigs };
  const hasImage = item.parts.some((p) => p.type === "image");
  const text = item.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("\n");
  if (!hasImage) return { compartmentId, input: { type: "TEXT", content: text }, guardrailConfigs };
  return {
    compartmentId,
    multimodalInput: item.parts.map((p) =>
      p.type === "text" ? { type: "TEXT", content: p.text } : { type: "IMAGE", imageUrl: { url: p.url } },
    ),
    guardrailConfigs,
    guardrailVersionConfig: { guardrailVersion: IMAGE_GUARDRAILS_VERSION },
  };
}
