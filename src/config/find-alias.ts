import { ApiError, modelNotFound, quoted } from "../errors/api-error";
import type { KeyIdentity } from "./key-ring";
import type { LoadedConfig } from "./load";
import type { ModelAlias } from "./types";

/** The alias, when the caller's key may use it (its `models` allowlist); else a 403. */
export function permitted(key: KeyIdentity | undefined, alias: ModelAlias): ModelAlias {
  permittedModelName(key, alias.alias);
  return alias;
}

/**
 * An OCI model name called through a path alias (embeddings, rerank): a key with a `models`
 * allowlist may use it only when the allowlist names it, as it names aliases — otherwise any
 * allowed alias's path would open every model of its region.
 */
export function permittedModelName(key: KeyIdentity | undefined, name: string): void {
  if (key && !key.mayUse(name)) {
    throw new ApiError(403, `This API key may not use the model '${quoted(name)}'`, {
      type: "permission_error",
      param: "model",
      code: "permission_denied",
    });
  }
}

/**
 * The alias a client's model name means in the config in force: the alias itself, or one whose
 * extra names or patterns cover it (docs/configuration.md#names); unknown → 404 before anything
 * reaches OCI; one the caller's key may not use → 403 (docs/teams-and-quotas.md).
 */
export function findAlias(config: LoadedConfig, name: string | undefined, key?: KeyIdentity): ModelAlias {
  const found = name === undefined ? undefined : config.lookup.find(name);
  if (!found) throw modelNotFound(name ?? "");
  return permitted(key, found);
}

export function requireModelAlias(config: LoadedConfig, name: string | undefined, key?: KeyIdentity): ModelAlias {
  if (name === undefined || name === "") {
    throw new ApiError(400, "'model' is required: the alias of a model in llm_models.json", {
      type: "invalid_request_error",
      param: "model",
      code: "missing_model",
    });
  }
  return findAlias(config, name, key);
}
