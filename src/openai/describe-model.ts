import type { ApiFormat, ModelAlias } from "../config/types";

export type ServingMode = { servingType: "ON_DEMAND"; modelId: string } | { servingType: "DEDICATED"; endpointId: string };

/** What translation needs to know about the model behind an alias. */
export interface ModelTarget {
  format: ApiFormat;
  servingMode: ServingMode;
  /** OpenAI models on OCI reject `maxTokens` and need `maxCompletionTokens` (gpt-oss excepted). */
  usesMaxCompletionTokens: boolean;
  /** The OCI model name when known (not for OCIDs). */
  modelName?: string;
}

const DEDICATED_ENDPOINT = /^ocid1\.generativeaiendpoint\./;

export function inferApiFormat(modelName: string): ApiFormat {
  if (/^cohere\.command-a-vision/.test(modelName)) return "COHEREV2";
  if (/^cohere\./.test(modelName)) return "COHERE";
  return "GENERIC";
}

/**
 * Pure: the alias's config (and, for OCIDs, a format learned elsewhere) decides serving mode and
 * format. `modelOverride` is an OCI model name given in a request body (embeddings).
 */
export function describeModel(alias: ModelAlias, learnedFormat?: ApiFormat): ModelTarget {
  const id = alias.id;
  const isOcid = id.startsWith("ocid1.");
  const modelName = isOcid ? undefined : id;
  const servingMode: ServingMode = DEDICATED_ENDPOINT.test(id)
    ? { servingType: "DEDICATED", endpointId: id }
    : { servingType: "ON_DEMAND", modelId: id };
  return {
    format: alias.apiFormat ?? learnedFormat ?? (modelName ? inferApiFormat(modelName) : "GENERIC"),
    servingMode,
    usesMaxCompletionTokens: modelName !== undefined && /^openai\./.test(modelName) && !/^openai\.gpt-oss/.test(modelName),
    modelName,
  };
}
