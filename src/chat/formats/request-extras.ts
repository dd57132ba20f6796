import { badRequest, unsupportedParam } from "../../errors/api-error";
import type { GenericChatRequest } from "../../oci/wire";
import type { ChatRequest, Prediction, WebSearchOptions } from "../types";

/**
 * OpenAI's web search, predicted output, service tier and metadata → the GENERIC request's
 * `webSearchOptions`, `prediction`, `serviceTier`, `metadata` (docs/oci-wire.md#newer-generic-fields).
 * A value OCI cannot take is a 400 naming the parameter, never adjusted. Requests without these
 * fields pay four property reads.
 */
export function addGenericExtras(req: ChatRequest, out: GenericChatRequest): void {
  if (req.web_search_options) out.webSearchOptions = webSearchOptions(req.web_search_options);
  if (req.prediction) out.prediction = prediction(req.prediction);
  if (req.service_tier != null) out.serviceTier = serviceTier(req.service_tier);
  if (req.metadata != null) out.metadata = metadata(req.metadata);
}

/**
 * For the Cohere formats, which have none of these fields: web search changes what the answer
 * says, so asking for it is a 400; prediction, service tier and metadata are hints about speed,
 * billing and bookkeeping, checked like everywhere and then left out (docs/api/openai.md#format-support).
 */
export function dropCohereExtras(req: ChatRequest, format: string): void {
  if (req.web_search_options) throw unsupportedParam("web_search_options", `${format} models cannot search the web`);
  if (req.prediction) prediction(req.prediction);
  if (req.service_tier != null) serviceTier(req.service_tier);
  if (req.metadata != null) metadata(req.metadata);
}

type OciServiceTier = NonNullable<GenericChatRequest["serviceTier"]>;

const TIERS: Record<string, OciServiceTier> = {
  auto: "AUTO" as OciServiceTier,
  default: "DEFAULT" as OciServiceTier,
  priority: "PRIORITY" as OciServiceTier,
};

/** OCI serves auto, default and priority; OpenAI's flex and scale tiers do not exist there. */
function serviceTier(tier: string): OciServiceTier {
  const oci = Object.hasOwn(TIERS, tier) ? TIERS[tier] : undefined;
  if (!oci)
    throw badRequest(
      `Invalid value for 'service_tier': OCI offers auto, default and priority, got '${tier}'`,
      "service_tier",
      "invalid_value",
    );
  return oci;
}

const SIZES = { low: "LOW", medium: "MEDIUM", high: "HIGH" } as const;

function webSearchOptions(w: WebSearchOptions): NonNullable<GenericChatRequest["webSearchOptions"]> {
  const out: Record<string, unknown> = {};
  if (w.search_context_size) out.searchContextSize = SIZES[w.search_context_size];
  const where = w.user_location?.approximate;
  if (where) {
    const loc: Record<string, string> = {};
    for (const k of ["city", "region", "country", "timezone"] as const) if (where[k]) loc[k] = where[k];
    out.userLocation = loc;
  }
  return out as NonNullable<GenericChatRequest["webSearchOptions"]>;
}

function prediction(p: Prediction): NonNullable<GenericChatRequest["prediction"]> {
  const parts = typeof p.content === "string" ? [{ type: "text" as const, text: p.content }] : p.content;
  return {
    type: "CONTENT",
    content: parts.map((c) => ({ type: "TEXT", text: c.text })),
  } as NonNullable<GenericChatRequest["prediction"]>;
}

/** OCI's limits, the same as OpenAI's: 16 pairs, keys of ≤ 64 characters, string values of ≤ 512. */
const MAX_PAIRS = 16;
const MAX_KEY = 64;
const MAX_VALUE = 512;

function metadata(m: Record<string, unknown>): Record<string, string> {
  const keys = Object.keys(m);
  if (keys.length > MAX_PAIRS)
    throw badRequest(
      `Invalid value for 'metadata': at most ${MAX_PAIRS} key-value pairs, got ${keys.length}`,
      "metadata",
      "invalid_value",
    );
  for (const k of keys) {
    if (k.length > MAX_KEY)
      throw badRequest(
        `Invalid value for 'metadata': key '${k.slice(0, MAX_KEY)}…' is longer than ${MAX_KEY} characters`,
        "metadata",
        "invalid_value",
      );
    const v = m[k];
    if (typeof v !== "string" || v.length > MAX_VALUE)
      throw badRequest(
        `Invalid value for 'metadata.${k}': expected a string of at most ${MAX_VALUE} characters`,
        `metadata.${k}`,
        "invalid_value",
      );
  }
  return m as Record<string, string>;
}
