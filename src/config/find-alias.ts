import { ApiError, modelNotFound } from "../errors/api-error";
import type { LoadedConfig } from "./load";
import type { ModelAlias } from "./types";

/**
 * The alias a client's model name means in the config in force: the alias itself, or one whose
 * extra names or patterns cover it (docs/configuration.md#names); unknown → 404 before anything
 * reaches OCI.
 */
export function findAlias(config: LoadedConfig, name: string | undefined): ModelAlias {
  const found = name === undefined ? undefined : config.lookup.find(name);
  if (!found) throw modelNotFound(name ?? "");
  return found;
}

export function requireModelAlias(config: LoadedConfig, name: string | undefined): ModelAlias {
  if (name === undefined || name === "") {
    throw new ApiError(400, "'model' is required: the alias of a model in llm_models.json", {
      type: "invalid_request_error",
      param: "model",
      code: "missing_model",
    });
  }
  return findAlias(config, name);
}
