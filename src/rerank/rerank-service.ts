import { requireCapability } from "../config/capability";
import { findAlias, permitted, permittedModelName } from "../config/find-alias";
import type { KeyIdentity } from "../config/key-ring";
import type { LoadedConfig } from "../config/load";
import type { ModelAlias } from "../config/types";
import { ApiError, badRequest, quoted } from "../errors/api-error";
import { withRequestId } from "../errors/upstream-error";
import { describeModel } from "../oci/model-target";
import type { OciTransport } from "../oci/transport";
import type { Pools } from "../pools/pools";
import type { PoolTrace } from "../pools/route-pool";
import { convertToRerankTextDetails, documentTexts, type RerankTarget } from "./convert-to-rerank-text-details";
import { mapRerankTextResult } from "./map-rerank-text-result";
import type { RerankRequest, RerankResponse } from "./schemas";

/** An OCI model name, as opposed to a client-side name such as `rerank-english-v3.0`. */
const OCI_MODEL_NAME = /^[a-z][a-z0-9_-]*\.[A-Za-z0-9][A-Za-z0-9._:-]*$/;

export interface RerankOutcome {
  body: RerankResponse;
  ociRequestId?: string;
}

interface ResolvedRerank {
  /** The alias called (its region, compartment, endpoint), a pool, or the path alias lending them. */
  alias: ModelAlias;
  /** Set when an OCI model name is called with the path alias's place. */
  modelId?: string;
  /** The answer's `model`. */
  model: string;
}

/**
 * Rerank (docs/api/rerank.md): which rerank model serves the request, then one OCI rerankText
 * call — through a pool's members when the alias is a pool. No HTTP context here.
 */
export class RerankService {
  constructor(
    private readonly transport: OciTransport,
    private readonly pools: Pools,
  ) {}

  /** `r` resolved by the route (`resolveRerankTarget`) before the caller's quota is taken. */
  async rerank(
    r: ResolvedRerank,
    request: RerankRequest,
    call: { requestId: string; signal: AbortSignal; trace?: PoolTrace },
  ): Promise<RerankOutcome> {
    const texts = documentTexts(request);
    const once = async (
      alias: ModelAlias,
      modelId: string | undefined,
      extra: { deadlineAt?: number; moveOnWhenThrottled?: boolean },
    ) => {
      const details = convertToRerankTextDetails(request, texts, targetOf(alias, modelId));
      const reply = await this.transport.rerankText({ region: alias.region, endpoint: alias.endpoint }, details, {
        signal: call.signal,
        requestId: call.requestId,
        ...extra,
      });
      return {
        body: withRequestId(reply.opcRequestId, () =>
          mapRerankTextResult(reply.body, {
            model: r.model,
            texts,
            returnDocuments: request.return_documents === true,
            topN: request.top_n,
          }),
        ),
        ociRequestId: reply.opcRequestId,
      };
    };
    if (r.alias.type !== "pool") return once(r.alias, r.modelId, {});
    return this.pools.run(r.alias, call, async (member, lease) => {
      try {
        return await once(member, undefined, { deadlineAt: lease.deadlineAt, moveOnWhenThrottled: true });
      } finally {
        lease.release();
      }
    });
  }
}

function targetOf(alias: ModelAlias, modelId: string | undefined): RerankTarget {
  const t = describeModel(modelId === undefined ? alias : { ...alias, id: modelId, apiFormat: undefined });
  return { servingMode: t.servingMode, compartmentId: alias.compartmentId! };
}

/**
 * The body's `model` wins: an alias (by name, extra name or pattern); on the path form an OCI
 * rerank model name borrows the path alias's region and compartment. Without a body model, the
 * path's alias. Whatever is chosen must rerank: a chat or embedding alias is a 400.
 */
export function resolveRerankTarget(
  config: LoadedConfig,
  pathAlias: string | undefined,
  bodyModel: string | undefined,
  key?: KeyIdentity,
): ResolvedRerank {
  const model = bodyModel === "" ? undefined : bodyModel;
  if (pathAlias === undefined) {
    if (model === undefined)
      throw badRequest("'model' is required: a rerank alias of llm_models.json", "model", "missing_model");
    const alias = config.lookup.find(model);
    if (!alias)
      throw new ApiError(404, `The model '${quoted(model)}' is not an alias in llm_models.json`, {
        type: "invalid_request_error",
        param: "model",
        code: "model_not_found",
      });
    return { alias: requireCapability(permitted(key, alias), "rerank", "model"), model };
  }
  const path = findAlias(config, pathAlias, key);
  if (model === undefined) return { alias: requireCapability(path, "rerank", null), model: path.alias };
  const named = config.lookup.find(model);
  if (named) return { alias: requireCapability(permitted(key, named), "rerank", "model"), model };
  if (!OCI_MODEL_NAME.test(model) || !/rerank/i.test(model))
    throw new ApiError(
      404,
      `The model '${quoted(model)}' is neither an alias in llm_models.json nor an OCI rerank model name such as cohere.rerank-v3.5`,
      {
        type: "invalid_request_error",
        param: "model",
        code: "model_not_found",
      },
    );
  if (path.type !== "model")
    throw badRequest(
      `'${pathAlias}' is ${path.type === "pool" ? "a pool" : "an agent"}: it lends no single region to an OCI model name`,
      "model",
      "invalid_model_type",
    );
  permittedModelName(key, model);
  return { alias: path, modelId: model, model };
}
