import type { ModelAlias } from "../config/types";
import type { Logger } from "../observability/logger";
import { describeModel, type ModelTarget } from "./model-target";
import { isRec } from "./reply-shapes";
import type { CallOptions, OciTransport } from "./transport";

const MODEL_OCID = /^ocid1\.generativeaimodel\./;

/** OCID → model name, learned once per process from the control plane (a model never changes name). */
const learned = new Map<string, string>();

/**
 * The alias's model target. An alias whose id is a model OCID and whose format is not in the
 * config needs the model's name (its vendor decides the format, its family the token field): that
 * is one control-plane GetModel call, cached. If the lookup fails (no IAM permission on the control
 * plane, say) the request goes on as GENERIC and the next request asks again.
 */
export async function resolveModelTarget(
  transport: OciTransport,
  alias: ModelAlias,
  opts: CallOptions,
  log?: Logger,
): Promise<ModelTarget> {
  if (!MODEL_OCID.test(alias.id)) return describeModel(alias);
  const known = learned.get(alias.id);
  if (known !== undefined) return describeModel(alias, known);
  try {
    const reply = await transport.getModel({ region: alias.region }, alias.id, opts);
    const name = isRec(reply.body) && typeof reply.body.displayName === "string" ? reply.body.displayName : undefined;
    const vendor = isRec(reply.body) && typeof reply.body.vendor === "string" ? reply.body.vendor : undefined;
    // Base models are named vendor.model; a custom model's display name may not be, so the vendor leads.
    const modelName = name && vendor && !name.startsWith(`${vendor}.`) ? `${vendor}.${name}` : name;
    if (modelName) learned.set(alias.id, modelName);
    return describeModel(alias, modelName);
  } catch (e) {
    if (opts.signal.aborted) throw e;
    log?.warn("control-plane lookup of a model OCID failed; treating it as GENERIC", {
      alias: alias.alias,
      error: (e as Error).message,
    });
    return describeModel(alias);
  }
}

/** Tests start from a clean cache. */
export function forgetLearnedModels(): void {
  learned.clear();
}
