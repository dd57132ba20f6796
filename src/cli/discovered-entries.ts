import { capabilityOf } from "../config/capability";
import { ALIAS_PATTERN } from "../config/models";
import type { Capability } from "../config/types";
import type { AgentEndpointSummary, ModelSummary } from "../oci/control-plane";

/**
 * What OCI's listings become in llm_models.json (docs/discovery.md#what-it-prints): one alias per
 * model name OCI serves on demand and per active agent endpoint. Pure: the listings, the scope and
 * the clock in, entries and the reasons for everything left out back.
 */

export type DiscoveredKind = "chat" | "embedding" | "rerank" | "agent";

export interface DiscoveredEntry {
  alias: string;
  kind: DiscoveredKind;
  /** The llm_models.json entry, in the order its fields are written. */
  entry: Record<string, unknown>;
  /** Deprecated by OCI (still callable until its on-demand retirement): the entry carries `_note`. */
  deprecated: boolean;
}

export interface LeftOut {
  /** The model name or the agent endpoint's name and OCID. */
  what: string;
  why: string;
}

export interface Discovery {
  entries: DiscoveredEntry[];
  leftOut: LeftOut[];
}

export interface DiscoveryInput {
  region: string;
  compartmentId: string;
  models: readonly ModelSummary[];
  agentEndpoints: readonly AgentEndpointSummary[];
  /** Epoch ms: deprecation and retirement dates are judged against it. */
  now: number;
}

/** OCI capability → what the gateway serves with it, in order of preference. */
const SERVED: ReadonlyArray<readonly [string, Exclude<DiscoveredKind, "agent">]> = [
  ["CHAT", "chat"],
  ["TEXT_EMBEDDINGS", "embedding"],
  ["TEXT_RERANK", "rerank"],
];

const KIND_ORDER: readonly DiscoveredKind[] = ["chat", "embedding", "rerank", "agent"];

export function discoverEntries(input: DiscoveryInput): Discovery {
  const leftOut: LeftOut[] = [];
  const taken = new Set<string>();
  const entries: DiscoveredEntry[] = [];

  const byName = new Map<string, ModelSummary[]>();
  for (const m of input.models) byName.set(m.name, [...(byName.get(m.name) ?? []), m]);
  for (const [name, versions] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
    const judged = versions.map((m) => ({ m, why: unusable(m, input.now) }));
    const usable = judged.filter((j) => j.why === undefined).map((j) => j.m);
    if (usable.length === 0) {
      leftOut.push({ what: name, why: judged[0]!.why! });
      continue;
    }
    const m = usable.sort((a, b) => preference(a, input.now) - preference(b, input.now))[0]!;
    const kind = servedKind(m)!;
    const alias = uniqueAlias(modelAliasCandidates(m), taken);
    const entry: Record<string, unknown> = {
      id: m.name,
      region: input.region,
      compartmentId: input.compartmentId,
    };
    // Written only where the name would mislead; llm_models.json infers it from the name otherwise.
    const fromName = capabilityOf({ alias, id: m.name, type: "model", region: input.region, params: {} });
    if (fromName !== kind) entry.capability = kind satisfies Capability;
    const note = lifecycleNote(m, input.now);
    if (note) entry._note = note;
    entries.push({ alias, kind, entry, deprecated: isPast(m.timeDeprecated, input.now) });
  }

  for (const e of [...input.agentEndpoints].sort((a, b) =>
    (a.displayName ?? a.id).localeCompare(b.displayName ?? b.id),
  )) {
    const label = e.displayName ? `agent endpoint '${e.displayName}' (${e.id})` : `agent endpoint ${e.id}`;
    if (e.lifecycleState !== "ACTIVE") {
      leftOut.push({ what: label, why: `lifecycle state ${e.lifecycleState}` });
      continue;
    }
    const alias = uniqueAlias(agentAliasCandidates(e), taken);
    const entry: Record<string, unknown> = {
      id: e.id,
      type: "agent",
      region: input.region,
      compartmentId: e.compartmentId ?? input.compartmentId,
    };
    const description = e.description || (e.displayName && `OCI agent endpoint '${e.displayName}'`);
    if (description) entry.description = description;
    entries.push({ alias, kind: "agent", entry, deprecated: false });
  }

  entries.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.alias.localeCompare(b.alias));
  return { entries, leftOut };
}

function servedKind(m: ModelSummary): Exclude<DiscoveredKind, "agent"> | undefined {
  return SERVED.find(([capability]) => m.capabilities.includes(capability))?.[1];
}

/** Why a version cannot be an on-demand alias, or undefined when it can. */
function unusable(m: ModelSummary, now: number): string | undefined {
  if (m.lifecycleState !== "ACTIVE") return `lifecycle state ${m.lifecycleState}`;
  if (m.type !== "BASE")
    return `${m.type === "CUSTOM" ? "fine-tuned" : m.type} model: served only through a dedicated endpoint (give its endpoint OCID as the alias id)`;
  if (isPast(m.timeOnDemandRetired, now)) return `retired for on-demand use on ${day(m.timeOnDemandRetired!)}`;
  if (!servedKind(m))
    return `capabilities ${m.capabilities.join(", ") || "none"}: nothing the gateway serves (it serves CHAT, TEXT_EMBEDDINGS, TEXT_RERANK)`;
  return undefined;
}

/** Lower is better: versions not deprecated first, then the newest. */
function preference(m: ModelSummary, now: number): number {
  const created = m.timeCreated ? Date.parse(m.timeCreated) : 0;
  return (isPast(m.timeDeprecated, now) ? 1e15 : 0) - created;
}

/** What OCI has announced about the model's end, for the `_note` comment of its entry. */
function lifecycleNote(m: ModelSummary, now: number): string | undefined {
  const parts: string[] = [];
  if (m.timeDeprecated)
    parts.push(
      isPast(m.timeDeprecated, now)
        ? `deprecated by OCI since ${day(m.timeDeprecated)}`
        : `OCI deprecates it on ${day(m.timeDeprecated)}`,
    );
  if (m.timeOnDemandRetired) parts.push(`on-demand retirement on ${day(m.timeOnDemandRetired)}`);
  return parts.length ? `${parts.join("; ")} (ocigenai discover)` : undefined;
}

function isPast(date: string | undefined, now: number): boolean {
  return date !== undefined && Date.parse(date) <= now;
}

function day(date: string): string {
  return new Date(Date.parse(date)).toISOString().slice(0, 10);
}

/**
 * `meta.llama-3.3-70b-instruct` → `llama-3.3-70b-instruct` first, then the full name: the vendor
 * prefix is dropped when it is the vendor (or a plain word followed by a name).
 */
function modelAliasCandidates(m: ModelSummary): string[] {
  const dot = m.name.indexOf(".");
  const prefix = dot > 0 ? m.name.slice(0, dot) : "";
  const rest = m.name.slice(dot + 1);
  const vendorPrefix =
    prefix !== "" &&
    (prefix.toLowerCase() === m.vendor?.toLowerCase() || (/^[a-z]+$/i.test(prefix) && /^[a-z]/i.test(rest)));
  return [...(vendorPrefix ? [aliasSafe(rest)] : []), aliasSafe(m.name)].filter((a) => a !== "");
}

/** The endpoint's display name made alias-safe, else a name from the end of its OCID (a clash gets `-2`). */
function agentAliasCandidates(e: AgentEndpointSummary): string[] {
  const fromName = aliasSafe((e.displayName ?? "").toLowerCase());
  const tail = e.id.split(".").pop() ?? e.id;
  return [fromName || aliasSafe(`agent-${tail.slice(-8).toLowerCase()}`)];
}

function aliasSafe(name: string): string {
  return name
    .replace(/[^A-Za-z0-9._:-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 128)
    .replace(/[-.:_]+$/, "");
}

/** The first free candidate, else the first with the lowest free `-N` suffix. */
function uniqueAlias(candidates: string[], taken: Set<string>): string {
  const valid = candidates.filter((c) => ALIAS_PATTERN.test(c));
  let alias = valid.find((c) => !taken.has(c));
  if (alias === undefined) {
    const base = (valid[0] ?? "model").slice(0, 120);
    let n = 2;
    while (taken.has(`${base}-${n}`)) n++;
    alias = `${base}-${n}`;
  }
  taken.add(alias);
  return alias;
}
