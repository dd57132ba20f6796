import { capabilityOf, wrongCapability } from "../config/capability";
import { findAlias, permitted, permittedModelName } from "../config/find-alias";
import type { KeyIdentity } from "../config/key-ring";
import type { LoadedConfig } from "../config/load";
import type { ModelAlias } from "../config/types";
import { ApiError, badRequest, quoted } from "../errors/api-error";
import { withRequestId } from "../errors/upstream-error";
import { joinIds } from "../lib/join-ids";
import { mapBounded } from "../lib/map-bounded";
import { describeModel } from "../oci/model-target";
import type { CallTarget, OciTransport } from "../oci/transport";
import type { Pools } from "../pools/pools";
import type { PoolTrace } from "../pools/route-pool";
import { convertToEmbedTextDetails, type EmbedTarget } from "./convert-to-embed-text-details";
import { mapEmbedTextResult } from "./map-embed-text-result";
import type { EmbeddingList, EmbeddingRequest } from "./schemas";

/** OCI's cap on inputs per embedText call (docs/oci-wire.md#embedtext-request; unverified). */
export const OCI_MAX_INPUTS_PER_CALL = 96;
/** Calls in flight at once for one request: enough to be quick, few enough not to trip OCI's throttling. */
export const EMBED_CONCURRENCY = 4;

/** An OCI model name (`cohere.embed-multilingual-v3.0`) or OCID, as opposed to a placeholder like `text-embedding-3-small`. */
const OCI_MODEL_NAME = /^[a-z][a-z0-9_-]*\.[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const AGENT_ENDPOINT = /^ocid1\.genaiagentendpoint\./;

export interface ResolvedEmbedding {
  /** The alias whose region, compartment and endpoint override the call uses. */
  alias: ModelAlias;
  /** Absent for a pool alias. */
  target?: EmbedTarget;
  /** The answer's `model`: the body's model when given, else the path's alias. */
  model: string;
}

/**
 * Which model and which alias's region/compartment serve an embeddings request (docs/api/openai.md#embeddings).
 * The body's `model` wins: an alias (by its name, an extra name or a pattern) is used whole; on
 * the path form an OCI model name is called with the path alias's region and compartment.
 * `/v1/embeddings` has no alias to borrow those from, so there a name that is not an alias is
 * unknown.
 */
export function resolveEmbeddingTarget(
  config: LoadedConfig,
  pathAlias: string | undefined,
  bodyModel: string | undefined,
  key?: KeyIdentity,
): ResolvedEmbedding {
  const model = bodyModel === "" ? undefined : bodyModel;
  if (pathAlias === undefined) {
    if (model === undefined)
      throw badRequest("'model' is required: the alias of a model in llm_models.json", "model", "missing_model");
    const alias = config.lookup.find(model);
    if (!alias)
      throw unknownModel(
        model,
        "(to call an OCI model name with an alias's region and compartment, use /genai/{alias}/v1/embeddings)",
      );
    return fromAlias(permitted(key, alias), model, "model");
  }
  const path = findAlias(config, pathAlias, key);
  if (model === undefined) return fromAlias(path, path.alias, null);
  const named = config.lookup.find(model);
  if (named) return fromAlias(permitted(key, named), model, "model");
  if (!OCI_MODEL_NAME.test(model))
    throw unknownModel(model, "nor an OCI model name such as cohere.embed-multilingual-v3.0");
  if (AGENT_ENDPOINT.test(model))
    throw badRequest(`'${quoted(model)}' is an agent endpoint; embeddings need a model`, "model", "invalid_model_type");
  permittedModelName(key, model);
  requireEmbeddingModel(path, null);
  if (path.type === "pool")
    throw badRequest(
      `'${pathAlias}' is a pool: its members each have their own region, so an OCI model name needs a model alias's path`,
      "model",
      "invalid_model_type",
    );
  const t = describeModel({ ...path, id: model, apiFormat: undefined });
  return {
    alias: path,
    model,
    target: { servingMode: t.servingMode, compartmentId: path.compartmentId!, modelName: t.modelName },
  };
}

function fromAlias(alias: ModelAlias, model: string, param: string | null): ResolvedEmbedding {
  requireEmbeddingModel(alias, param);
  // A pool's model is its members': each one is resolved when the pool calls it.
  if (alias.type === "pool") return { alias, model };
  const t = describeModel(alias);
  return {
    alias,
    model,
    target: { servingMode: t.servingMode, compartmentId: alias.compartmentId!, modelName: t.modelName },
  };
}

function requireEmbeddingModel(alias: ModelAlias, param: string | null): void {
  const capability = capabilityOf(alias);
  // A chat alias is not refused: its name may say nothing sure (an OCID), so OCI decides.
  if (capability === "rerank" || capability === "moderation") throw wrongCapability(alias, "embedding", param);
  if (alias.type === "agent") {
    throw badRequest(
      `'${alias.alias}' is an agent alias; embeddings need a model alias (type 'model' in llm_models.json)`,
      param,
      "invalid_model_type",
    );
  }
}

function unknownModel(model: string, hint: string): ApiError {
  return new ApiError(
    404,
    `The model '${quoted(model)}' does not exist: it is not an alias in llm_models.json ${hint}`,
    {
      type: "invalid_request_error",
      param: "model",
      code: "model_not_found",
    },
  );
}

export interface EmbeddingCall {
  resolved: ResolvedEmbedding;
  request: EmbeddingRequest;
  requestId: string;
  signal: AbortSignal;
  /** Set when a pool calls this model as one of its members (see oci/transport.ts CallOptions). */
  deadlineAt?: number;
  moveOnWhenThrottled?: boolean;
}

export interface EmbeddingOutcome {
  body: EmbeddingList;
  /** OCI's request ids of every call made, comma separated, in input order. */
  ociRequestId?: string;
}

/**
 * Embeds every input. OCI takes at most 96 inputs per call, so larger requests become several
 * calls, a few at a time; the answer keeps the input order and sums the usage. The first failure
 * aborts the calls still running and is the request's error. No HTTP context here.
 */
export async function createEmbeddings(transport: OciTransport, call: EmbeddingCall): Promise<EmbeddingOutcome> {
  const { alias, target, model } = call.resolved;
  if (!target) throw new Error(`'${alias.alias}' is a pool: its members are called one by one`);
  const details = convertToEmbedTextDetails(call.request, target);
  const inputs = details.inputs ?? [];
  const encoding = call.request.encoding_format ?? "float";
  const where: CallTarget = { region: alias.region, endpoint: alias.endpoint };
  const batches: string[][] = [];
  for (let i = 0; i < inputs.length; i += OCI_MAX_INPUTS_PER_CALL)
    batches.push(inputs.slice(i, i + OCI_MAX_INPUTS_PER_CALL));

  const ids: Array<string | undefined> = [];
  const results = await mapBounded(batches, EMBED_CONCURRENCY, call.signal, async (batch, i, signal) => {
    const reply = await transport.embedText(
      where,
      { ...details, inputs: batch },
      { signal, requestId: call.requestId, deadlineAt: call.deadlineAt, moveOnWhenThrottled: call.moveOnWhenThrottled },
    );
    ids[i] = reply.opcRequestId;
    return withRequestId(reply.opcRequestId, () =>
      mapEmbedTextResult(reply.body, { inputs: batch.length, offset: i * OCI_MAX_INPUTS_PER_CALL, encoding }),
    );
  });

  const usage = { prompt_tokens: 0, total_tokens: 0 };
  for (const r of results) {
    usage.prompt_tokens += r.usage.prompt_tokens;
    usage.total_tokens += r.usage.total_tokens;
  }
  return {
    body: { object: "list", data: results.flatMap((r) => r.data), model, usage },
    ociRequestId: joinIds(ids),
  };
}

/** The embeddings service the routes use: resolution and batching over the OCI transport. */
export class EmbeddingsService {
  constructor(
    private readonly transport: OciTransport,
    private readonly pools: Pools,
  ) {}

  /** `resolved` by the route (`resolveEmbeddingTarget`) before the caller's quota is taken. */
  async embed(
    resolved: ResolvedEmbedding,
    request: EmbeddingRequest,
    call: { requestId: string; signal: AbortSignal; trace?: PoolTrace },
  ): Promise<EmbeddingOutcome> {
    const { requestId, signal } = call;
    if (resolved.alias.type !== "pool")
      return createEmbeddings(this.transport, { resolved, request, requestId, signal });
    // Every batch of the request goes to the one member that answers; the answer names the pool.
    return this.pools.run(resolved.alias, call, async (member, lease) => {
      try {
        return await createEmbeddings(this.transport, {
          resolved: fromAlias(member, resolved.model, null),
          request,
          requestId,
          signal,
          deadlineAt: lease.deadlineAt,
          moveOnWhenThrottled: true,
        });
      } finally {
        lease.release();
      }
    });
  }
}
