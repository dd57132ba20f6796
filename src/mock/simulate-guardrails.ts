/**
 * TEST_MODE's stand-in for OCI's guardrails (docs/api/moderations.md): the same answer shape and
 * the same binary scores, decided by a few plain rules so client teams can test both outcomes —
 * a small list of harmful words flags OVERALL, "ignore previous instructions"-style text flags
 * prompt injection, and e-mail addresses, phone numbers and IP addresses are found as PII.
 */
const HARMFUL = /\b(kill|murder|hate you|idiot|stupid|bomb|attack them)\b/i;
const INJECTION =
  /\b(ignore (all |any )?(the )?(previous|prior|above) instructions|reveal (the |your )?system prompt|disregard (your|the) (rules|instructions))\b/i;
const PII: Array<{ label: string; pattern: RegExp }> = [
  { label: "EMAIL", pattern: /[\w.+-]+@[\w-]+(\.[\w-]+)+/g },
  { label: "TELEPHONE_NUMBER", pattern: /\+?\d{1,3}?[ .-]?\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b/g },
  { label: "IP_ADDRESS", pattern: /\b(\d{1,3}\.){3}\d{1,3}\b/g },
];

export interface SimulatedGuardrails {
  contentModeration?: { categories: Array<{ name: string; score: number }> };
  personallyIdentifiableInformation?: Array<{
    text: string;
    label: string;
    offset: number;
    length: number;
    score: number;
  }>;
  promptInjection?: { score: number };
}

/** OCI's `results` for one text, for the guardrails that were asked for. */
export function simulateGuardrails(
  text: string,
  asked: { contentModeration: boolean; pii: readonly string[] | undefined; promptInjection: boolean },
): SimulatedGuardrails {
  const out: SimulatedGuardrails = {};
  if (asked.contentModeration)
    out.contentModeration = {
      categories: [
        { name: "OVERALL", score: HARMFUL.test(text) ? 1 : 0 },
        { name: "BLOCKLIST", score: 0 },
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
  if (asked.promptInjection) out.promptInjection = { score: INJECTION.test(text) ? 1 : 0 };
  return out;
}
