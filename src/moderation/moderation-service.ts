import { capabilityOf, requireCapability } from "../config/capability";
import { permitted } from "../config/find-alias";
import type { KeyIdentity } from "../config/key-ring";
import type { LoadedConfig } from "../config/load";
import type { ModelAlias } from "../config/types";
import { ApiError, badRequest, quoted } from "../errors/api-error";
import { withRequestId } from "../errors/upstream-error";
import { fetchRemoteImage, REMOTE_IMAGE_DEFAULTS } from "../images/fetch-remote-image";
import { decodedSize, mediaTooLarge } from "../images/image-budget";
import { joinIds } from "../lib/join-ids";
import { mapBounded } from "../lib/map-bounded";
import type { OciTransport } from "../oci/transport";
import {
  convertToApplyGuardrailsDetails,
  type ModerationItem,
  moderationItems,
} from "./convert-to-apply-guardrails-details";
import { mapGuardrailsResult } from "./map-guardrails-result";
import type { ModerationRequest, ModerationResponse } from "./schemas";

/** Guardrail calls in flight at once for one request. */
const MODERATION_CONCURRENCY = 4;
/** Remote images fetched at once for one request, as chat fetches them. */
const IMAGE_CONCURRENCY = 4;

export interface ModerationOutcome {
  body: ModerationResponse;
  /** OCI's request ids, one per input, in input order. */
  ociRequestId?: string;
}

/**
 * `/v1/moderations` over OCI's guardrails (docs/api/moderations.md): the moderation alias says in
 * which region and compartment they run; each input is one applyGuardrails call. No HTTP here.
 */
export class ModerationService {
  constructor(
    private readonly transport: OciTransport,
    private readonly o: {
      allowPrivateImageHosts: ReadonlySet<string>;
      /** MAX_IMAGES_PER_REQUEST and MAX_IMAGE_MB_PER_REQUEST, as for chat. */
      maxImages: number;
      maxImageBytes: number;
    },
  ) {}

  /** `alias` chosen by the route (`moderationAlias`) before the caller's quota is taken. */
  async moderate(
    alias: ModelAlias,
    request: ModerationRequest,
    call: { requestId: string; signal: AbortSignal },
  ): Promise<ModerationOutcome> {
    const items = moderationItems(request.input);
    const ids: Array<string | undefined> = [];
    const results = await mapBounded(items, MODERATION_CONCURRENCY, call.signal, async (item, i, signal) => {
      const resolved = await this.withImages(item, signal);
      const reply = await this.transport.applyGuardrails(
        { region: alias.region, endpoint: alias.endpoint },
        convertToApplyGuardrailsDetails(resolved, alias.compartmentId!),
        { signal, requestId: call.requestId },
      );
      ids[i] = reply.opcRequestId;
      const types =
        item.kind === "text" ? ["text"] : [...new Set(item.parts.map((p) => (p.type === "text" ? "text" : "image")))];
      return withRequestId(reply.opcRequestId, () => mapGuardrailsResult(reply.body, types));
    });
    return {
      body: { id: `modr-${crypto.randomUUID().replaceAll("-", "")}`, model: request.model ?? alias.alias, results },
      ociRequestId: joinIds(ids),
    };
  }

  /**
   * Image parts as data URLs: given so, or fetched with the same guard and the same budgets as
   * chat images — how many a request holds, how many bytes they add up to, how many are fetched
   * at once (one request of a thousand URLs would otherwise open a thousand connections).
   */
  private async withImages(item: ModerationItem, signal: AbortSignal) {
    if (item.kind === "text") return { text: item.text };
    const { maxImages, maxImageBytes } = this.o;
    const images = item.parts.filter((p) => p.type !== "text").length;
    if (images > maxImages)
      throw badRequest(
        `'input' holds ${images} images; at most ${maxImages} are allowed per request (MAX_IMAGES_PER_REQUEST)`,
        "input",
        "too_many_images",
      );
    let spent = 0;
    const spend = (dataUrl: string) => {
      spent += decodedSize(dataUrl);
      if (spent > maxImageBytes) throw mediaTooLarge(maxImageBytes, "images", "input");
    };
    for (const p of item.parts)
      if (p.type !== "text" && p.image_url.url.startsWith("data:image/")) spend(p.image_url.url);
    const parts = await mapBounded(item.parts, IMAGE_CONCURRENCY, signal, async (p, j, s) => {
      if (p.type === "text") return p;
      const url = p.image_url.url;
      if (url.startsWith("data:image/")) return { type: "image" as const, url };
      if (!/^https?:\/\//i.test(url))
        throw badRequest("an image must be a data:image/… URL or an http(s) URL", `input[${j}].image_url.url`);
      const fetched = await fetchRemoteImage(url, {
        allowHosts: this.o.allowPrivateImageHosts,
        signal: s,
        param: `input[${j}].image_url.url`,
        maxBytes: Math.max(1, Math.min(REMOTE_IMAGE_DEFAULTS.maxBytes, maxImageBytes - spent)),
      });
      spend(fetched.dataUrl);
      return { type: "image" as const, url: fetched.dataUrl };
    });
    return { parts };
  }
}

/**
 * The alias whose region and compartment run the guardrails: the body's `model` (by name, extra
 * name or pattern), which must be a moderation alias; without one, the first moderation alias of
 * llm_models.json. Guardrails send the text to that region, so none is picked without config.
 */
export function moderationAlias(config: LoadedConfig, model: string | undefined, key?: KeyIdentity): ModelAlias {
  if (model !== undefined && model !== "") {
    const found = config.lookup.find(model);
    if (!found)
      throw new ApiError(
        404,
        `The model '${quoted(model)}' is not an alias in llm_models.json; add a moderation alias (capability "moderation") naming it, or leave 'model' out`,
        { type: "invalid_request_error", param: "model", code: "model_not_found" },
      );
    return permitted(key, requireCapability(found, "moderation", "model"));
  }
  for (const a of config.aliases.values()) if (capabilityOf(a) === "moderation") return permitted(key, a);
  throw new ApiError(
    404,
    'No moderation alias is configured: add one to llm_models.json with "capability": "moderation" (its region and compartment run OCI\'s guardrails)',
    { type: "invalid_request_error", param: "model", code: "model_not_found" },
  );
}
