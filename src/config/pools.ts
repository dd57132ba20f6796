import { capabilityKnown, capabilityOf } from "./capability";
import { type ModelAlias, POOL_STRATEGIES, type PoolKind, type PoolSpec, type PoolStrategy } from "./types";

/** A pool as read from its own entry, before its members are checked against the other aliases. */
export interface PoolEntry {
  alias: string;
  members: string[];
  strategy: PoolStrategy;
  breaker: PoolSpec["breaker"];
  attemptTimeoutMs?: number;
  description?: string;
  names: string[];
}

const POOL_FIELDS = new Set([
  "type",
  "members",
  "strategy",
  "breaker",
  "attempt_timeout_seconds",
  "names",
  "description",
]);
export const DEFAULT_BREAKER_FAILURES = 3;
export const DEFAULT_BREAKER_OPEN_SECONDS = 30;

const KIND_WORDS: Record<PoolKind, string> = { chat: "chats", embedding: "embeds", rerank: "reranks" };

type At = (field: string | undefined, message: string) => void;

/** Reads one `type: "pool"` entry (docs/several-regions.md#configuration); undefined when it has problems. */
export function readPool(alias: string, raw: Record<string, unknown>, at: At): PoolEntry | undefined {
  let ok = true;
  const fail = (field: string | undefined, message: string) => {
    ok = false;
    at(field, message);
  };
  for (const key of Object.keys(raw)) {
    if (POOL_FIELDS.has(key) || key.startsWith("_")) continue;
    fail(
      key,
      `not used by a pool: its members say which model, region and settings (a pool takes ${[...POOL_FIELDS].join(", ")})`,
    );
  }
  const members: string[] = [];
  if (!Array.isArray(raw.members) || raw.members.length === 0) {
    fail("members", "required: a list of the aliases this pool spreads its requests over");
  } else {
    raw.members.forEach((m: unknown, i) => {
      if (typeof m !== "string" || m === "") fail(`members[${i}]`, `must be an alias name, got ${JSON.stringify(m)}`);
      else if (m === alias) fail(`members[${i}]`, "a pool cannot be its own member");
      else if (members.includes(m)) fail(`members[${i}]`, `'${m}' is listed twice`);
      else members.push(m);
    });
  }
  const strategy = raw.strategy ?? "round_robin";
  if (!POOL_STRATEGIES.includes(strategy as PoolStrategy))
    fail("strategy", `must be one of ${POOL_STRATEGIES.join(", ")}, got ${JSON.stringify(strategy)}`);
  const breaker = readBreaker(raw.breaker, fail);
  const attempt = raw.attempt_timeout_seconds;
  if (
    attempt !== undefined &&
    (typeof attempt !== "number" || !Number.isFinite(attempt) || attempt <= 0 || attempt > 3600)
  )
    fail("attempt_timeout_seconds", "must be a number of seconds above 0, at most 3600");
  if (raw.description !== undefined && typeof raw.description !== "string") fail("description", "must be a string");
  if (!ok) return undefined;
  return {
    alias,
    members,
    strategy: strategy as PoolStrategy,
    breaker,
    ...(typeof attempt === "number" ? { attemptTimeoutMs: Math.round(attempt * 1000) } : {}),
    description: raw.description as string | undefined,
    names: [],
  };
}

function readBreaker(raw: unknown, fail: At): PoolSpec["breaker"] {
  const out = { failures: DEFAULT_BREAKER_FAILURES, openMs: DEFAULT_BREAKER_OPEN_SECONDS * 1000 };
  if (raw === undefined) return out;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    fail("breaker", 'must be an object such as {"failures": 3, "open_seconds": 30}');
    return out;
  }
  for (const [key, v] of Object.entries(raw)) {
    if (key === "failures") {
      if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 1000)
        fail("breaker.failures", "must be an integer from 1 to 1000");
      else out.failures = v;
    } else if (key === "open_seconds") {
      if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || v > 3600)
        fail("breaker.open_seconds", "must be a number of seconds above 0, at most 3600");
      else out.openMs = Math.round(v * 1000);
    } else fail(`breaker.${key}`, "unknown field (known: failures, open_seconds)");
  }
  return out;
}

/** What a model alias serves, when its config or name says so; an OCID alone goes with any pool. */
export function modelKind(a: ModelAlias): PoolKind | "moderation" | undefined {
  return capabilityKnown(a) ? capabilityOf(a) : undefined;
}

/**
 * Checks every pool against the whole file — members exist and are models or pools, no pool
 * reaches itself, members serve one kind — and answers the pools that passed as aliases, each
 * taking its region and compartment from its first model (depth first).
 */
export function checkPools(
  pools: readonly PoolEntry[],
  models: ReadonlyMap<string, ModelAlias>,
  at: (alias: string, field: string, message: string) => void,
): Map<string, ModelAlias> {
  const byName = new Map(pools.map((p) => [p.alias, p]));
  const bad = new Set<string>();
  for (const p of pools) {
    p.members.forEach((m, i) => {
      const model = models.get(m);
      if (model?.type === "agent") {
        bad.add(p.alias);
        at(p.alias, `members[${i}]`, `'${m}' is an agent: agents keep their sessions in one place, pools take models`);
      } else if (!model && !byName.has(m)) {
        bad.add(p.alias);
        at(p.alias, `members[${i}]`, `'${m}' is not an alias in this file (or has problems of its own)`);
      }
    });
    const cycle = findCycle(p.alias, byName);
    if (cycle) {
      bad.add(p.alias);
      at(p.alias, "members", `pools may not contain themselves: ${cycle.join(" → ")}`);
    }
  }
  // A pool is usable only when every pool it reaches is.
  const usable = (name: string, seen = new Set<string>()): boolean => {
    if (bad.has(name) || seen.has(name)) return false;
    seen.add(name);
    return byName.get(name)!.members.every((m) => !byName.has(m) || usable(m, seen));
  };
  const out = new Map<string, ModelAlias>();
  for (const p of pools) {
    if (!usable(p.alias)) continue;
    const leaves = leafModels(p.alias, byName, models);
    const kinds = new Map<string, string>();
    for (const leaf of leaves) {
      const k = modelKind(leaf);
      if (k && !kinds.has(k)) kinds.set(k, leaf.alias);
    }
    if (kinds.has("moderation")) {
      at(p.alias, "members", `'${kinds.get("moderation")}' is a moderation alias: guardrails have no model to pool`);
      continue;
    }
    if (kinds.size > 1) {
      const which = [...kinds].map(([k, a]) => `'${a}' ${KIND_WORDS[k as PoolKind]}`).join(", ");
      at(p.alias, "members", `members mix chat, embedding and rerank models (${which})`);
      continue;
    }
    const first = leaves[0]!;
    out.set(p.alias, {
      alias: p.alias,
      id: p.alias,
      type: "pool",
      region: first.region,
      compartmentId: first.compartmentId,
      params: {},
      description: p.description,
      ...(p.names.length > 0 ? { names: p.names } : {}),
      pool: {
        members: p.members,
        strategy: p.strategy,
        kind: (kinds.keys().next().value as PoolKind | undefined) ?? "chat",
        breaker: p.breaker,
        ...(p.attemptTimeoutMs === undefined ? {} : { attemptTimeoutMs: p.attemptTimeoutMs }),
      },
    });
  }
  return out;
}

/** The chain of pools from `start` back to itself, if there is one. */
function findCycle(start: string, pools: ReadonlyMap<string, PoolEntry>): string[] | undefined {
  const walk = (name: string, path: string[]): string[] | undefined => {
    for (const m of pools.get(name)?.members ?? []) {
      if (m === start) return [...path, m];
      if (pools.has(m) && !path.includes(m)) {
        const found = walk(m, [...path, m]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(start, [start]);
}

/** Every model a pool reaches, depth first in member order, each once. */
function leafModels(
  name: string,
  pools: ReadonlyMap<string, PoolEntry>,
  models: ReadonlyMap<string, ModelAlias>,
): ModelAlias[] {
  const out: ModelAlias[] = [];
  const visit = (n: string) => {
    const p = pools.get(n);
    if (!p) {
      const m = models.get(n);
      if (m && !out.includes(m)) out.push(m);
      return;
    }
    for (const m of p.members) visit(m);
  };
  visit(name);
  return out;
}
