import { ApiError, modelNotFound } from "../errors/api-error";
import type { LoadedConfig } from "./load";
import type { ModelAlias } from "./types";

/** Looks an alias up in the config in force; unknown → 404 before anything reaches OCI. */
export function findAlias(config: LoadedConfig, alias: string | undefined): ModelAlias {
  const found = alias === undefined ? undefined : config.aliases.get(alias);
  if (!found) throw modelNotFound(alias ?? "");
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
