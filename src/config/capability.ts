import { type ApiError, badRequest } from "../errors/api-error";
import type { Capability, ModelAlias } from "./types";

/** What OCI's guardrails run on: no model of its own, so a moderation alias needs no id. */
export const GUARDRAILS_ID = "oci.guardrails";

/**
 * What a model alias serves (docs/configuration.md#capability): its `capability` when set, else
 * what its model name says — `cohere.rerank*` reranks, `*.embed*` embeds, anything else chats.
 * An OCID says nothing, so it chats unless told otherwise. Agents chat; a pool serves its kind.
 */
export function capabilityOf(a: ModelAlias): Capability {
  if (a.capability) return a.capability;
  if (a.type === "pool") return a.pool?.kind ?? "chat";
  if (a.type === "agent" || a.id.startsWith("ocid1.")) return "chat";
  if (/(^|\.)rerank/i.test(a.id)) return "rerank";
  if (/(^|\.)embed/i.test(a.id)) return "embedding";
  return "chat";
}

/** Whether the alias's capability is known (set, or read from a model name) rather than assumed. */
export function capabilityKnown(a: ModelAlias): boolean {
  return a.capability !== undefined || (a.type === "model" && !a.id.startsWith("ocid1."));
}

const A: Record<Capability, string> = {
  chat: "a chat",
  embedding: "an embedding",
  rerank: "a rerank",
  moderation: "a moderation",
};
/** Where an alias of each capability is served. */
const ROUTE: Record<Capability, string> = {
  chat: "the chat routes",
  embedding: "/v1/embeddings",
  rerank: "/v1/rerank",
  moderation: "/v1/moderations",
};
/** How to make an alias of a capability that a model name does not say by itself. */
const HOW: Partial<Record<Capability, string>> = {
  rerank: ' (cohere.rerank*, or "capability": "rerank" in llm_models.json)',
  moderation: ' ("capability": "moderation" in llm_models.json)',
};

/**
 * The one 400 for an alias sent to a route of another capability, naming what it is and where
 * it is served (docs/configuration.md#capability).
 */
export function wrongCapability(alias: ModelAlias, wanted: Capability, param: string | null): ApiError {
  const is = capabilityOf(alias);
  return badRequest(
    `'${alias.alias}' is not ${A[wanted]} alias${HOW[wanted] ?? ""}: it is ${A[is]} alias, served on ${ROUTE[is]}`,
    param,
    "invalid_model_type",
  );
}

/** The alias, when it serves `wanted`; else that 400. */
export function requireCapability(alias: ModelAlias, wanted: Capability, param: string | null): ModelAlias {
  if (capabilityOf(alias) !== wanted) throw wrongCapability(alias, wanted, param);
  return alias;
}
