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
