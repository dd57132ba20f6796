import type { ApiFormat, ModelAlias } from "../config/types";

export type ServingMode =
  | { servingType: "ON_DEMAND"; modelId: string }
  | { servingType: "DEDICATED"; endpointId: string };

/** What translation needs to know about the model behind an alias. */
export interface ModelTarget {
  format: ApiFormat;
  servingMode: ServingMode;
  /** OpenAI models on OCI reject `maxTokens` and need `maxCompletionTokens` (gpt-oss excepted). */
  usesMaxCompletionTokens: boolean;
  /** The OCI model name when known: the id itself, or what the control plane said an OCID is. */
  modelName?: string;
  /** Meta's models reject an assistant turn whose content is empty next to its tool calls. */
  needsAssistantText: boolean;
  /**
   * The model is known not to reason (Meta's Llama): an effort a client only prefers — coding
   * agents send one every turn — is left out rather than sent to a model that has no use for it.
   */
  reasonsNever: boolean;
}

const DEDICATED_ENDPOINT = /^ocid1\.generativeaiendpoint\./;

export function inferApiFormat(modelName: string): ApiFormat {
  if (/^cohere\.command-a-vision/.test(modelName)) return "COHEREV2";
  if (/^cohere\./.test(modelName)) return "COHERE";
  return "GENERIC";
}

/**
 * Pure: the alias's config decides serving mode and format; for a model OCID, `learnedName` is
 * the model name the control plane returned for it (see services/resolve-model.ts).
 */
export function describeModel(alias: ModelAlias, learnedName?: string): ModelTarget {
  const id = alias.id;
  const isOcid = id.startsWith("ocid1.");
  const modelName = isOcid ? learnedName : id;
  const servingMode: ServingMode = DEDICATED_ENDPOINT.test(id)
    ? { servingType: "DEDICATED", endpointId: id }
    : { servingType: "ON_DEMAND", modelId: id };
  return {
    format: alias.apiFormat ?? (modelName ? inferApiFormat(modelName) : "GENERIC"),
    servingMode,
    usesMaxCompletionTokens:
      modelName !== undefined && /^openai\./.test(modelName) && !/^openai\.gpt-oss/.test(modelName),
    modelName,
    needsAssistantText: modelName !== undefined && /^meta\./.test(modelName),
    reasonsNever: modelName !== undefined && /^meta\./.test(modelName),
  };
}
