import { resolve } from "node:path";
import { GUARDRAILS_ID } from "./capability";
import { compileGlob, isGlob } from "./compile-glob";
import { jsonErrorPosition, jsonValuePosition } from "./json-error-position";
import { checkPools, type PoolEntry, readPool } from "./pools";
import { readConfigText } from "./read-config-text";
import {
  type AliasParams,
  API_FORMATS,
  type ApiFormat,
  CAPABILITIES,
  type Capability,
  type ConfigProblem,
  type ModelAlias,
} from "./types";

/** Alias names end up in URL paths, so they are restricted to what needs no escaping. */
export const ALIAS_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const ALIAS_FIELDS = new Set([
  "id",
  "region",
  "compartmentId",
  "type",
  "params",
  "apiFormat",
  "endpoint",
  "description",
  "names",
  "capability",
]);

type ParamCheck =
  | { kind: "number"; min?: number; max?: number; integer?: boolean }
  | { kind: "enum"; values: string[] };
const PARAM_RULES: Record<keyof AliasParams, ParamCheck> = {
  temperature: { kind: "number", min: 0, max: 2 },
  top_p: { kind: "number", min: 0, max: 1 },
  top_k: { kind: "number", min: -1, integer: true },
  max_tokens: { kind: "number", min: 1, integer: true },
  max_completion_tokens: { kind: "number", min: 1, integer: true },
  frequency_penalty: { kind: "number", min: -2, max: 2 },
  presence_penalty: { kind: "number", min: -2, max: 2 },
  reasoning_effort: { kind: "enum", values: ["none", "minimal", "low", "medium", "high"] },
  verbosity: { kind: "enum", values: ["low", "medium", "high"] },
  max_tokens_limit: { kind: "number", min: 1, integer: true },
};

export interface ModelsFile {
  aliases: Map<string, ModelAlias>;
  problems: ConfigProblem[];
}

/**
 * Reads llm_models.json in either of the seed's forms (flat, or `{"models": {...}}`) and checks
 * every alias, collecting all problems. Keys starting with `_` are comments and ignored.
 * `defaultRegion` is the credentials' region, used when an alias has none.
 */
export function loadModels(path: string, defaultRegion: string | undefined): ModelsFile {
  const file = resolve(path);
  let text: string;
  try {
    text = readConfigText(file);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
    return {
      aliases: new Map(),
      problems: [{ file, message: missing ? "file not found" : `cannot read: ${(e as Error).message}` }],
    };
  }
  return parseModels(text, file, defaultRegion);
}

export function parseModels(text: string, file: string, defaultRegion: string | undefined): ModelsFile {
  const problems: ConfigProblem[] = [];
  const aliases = new Map<string, ModelAlias>();
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    return { aliases, problems: [{ file, message: invalidJson(text, e) }] };
  }
  if (!isObject(root)) return { aliases, problems: [{ file, message: "top level must be a JSON object of aliases" }] };
  const wrapped = isObject(root.models);
  const entries = wrapped ? (root.models as Record<string, unknown>) : root;
  const aliasNames = Object.keys(entries).filter((k) => !k.startsWith("_"));
  const pools: PoolEntry[] = [];
  for (const [alias, raw] of Object.entries(entries)) {
    if (alias.startsWith("_")) continue;
    const at = (field: string | undefined, message: string) => problems.push({ file, alias, field, message });
    if (!ALIAS_PATTERN.test(alias)) {
      at(
        undefined,
        "alias names may use letters, digits, '.', '_', ':' and '-' (max 128), starting with a letter or digit",
      );
      continue;
    }
    if (!isObject(raw)) {
      at(undefined, "must be an object with at least 'id'");
      continue;
    }
    const before = problems.length;
    if (raw.type === "pool") {
      const names = checkNames(raw.names, alias, aliasNames, (index, message) =>
        problems.push({ file, alias, field: index === undefined ? "names" : `names[${index}]`, message }),
      );
      const pool = readPool(alias, raw, at);
      if (pool && problems.length === before) pools.push({ ...pool, names });
      continue;
    }
    for (const key of Object.keys(raw)) {
      if (!ALIAS_FIELDS.has(key) && !key.startsWith("_"))
        at(key, `unknown field (known: ${[...ALIAS_FIELDS].join(", ")})`);
    }
    const capability = raw.capability;
    if (capability !== undefined && !CAPABILITIES.includes(capability as Capability))
      at("capability", `must be one of ${CAPABILITIES.join(", ")}, got ${JSON.stringify(capability)}`);
    // Guardrails run on no model of their own: a moderation alias only says where they run.
    const id = raw.id ?? (capability === "moderation" ? GUARDRAILS_ID : undefined);
    if (typeof id !== "string" || id.trim() === "")
      at("id", "required: a model name, model OCID, endpoint OCID or agent endpoint OCID");
    const type = raw.type ?? "model";
    if (type === "agent" && capability !== undefined && capability !== "chat")
      at("capability", 'an agent chats: its capability can only be "chat"');
    if (type !== "model" && type !== "agent")
      at("type", `must be "model", "agent" or "pool", got ${JSON.stringify(type)}`);
    const region = raw.region ?? defaultRegion;
    if (raw.region !== undefined && (typeof raw.region !== "string" || !/^[a-z0-9-]+$/.test(raw.region))) {
      at("region", `must be a region id such as "us-chicago-1", got ${JSON.stringify(raw.region)}`);
    } else if (region === undefined) {
      at("region", "missing, and the credentials have no region to fall back on");
    }
    const compartmentId = raw.compartmentId;
    if (compartmentId !== undefined && (typeof compartmentId !== "string" || !compartmentId.startsWith("ocid1."))) {
      at("compartmentId", "must be a compartment (or tenancy) OCID starting with 'ocid1.'");
    } else if (compartmentId === undefined && type === "model") {
      at("compartmentId", "required for models");
    }
    if (type === "agent" && typeof id === "string" && !id.startsWith("ocid1.")) {
      at("id", "an agent alias needs the agent endpoint OCID (ocid1.genaiagentendpoint...)");
    }
    const apiFormat = raw.apiFormat;
    if (apiFormat !== undefined && !API_FORMATS.includes(apiFormat as ApiFormat)) {
      at("apiFormat", `must be one of ${API_FORMATS.join(", ")}`);
    }
    const endpoint = raw.endpoint;
    if (endpoint !== undefined && !isHttpUrl(endpoint))
      at("endpoint", "must be an http(s) URL without a path version, e.g. https://host");
    if (raw.description !== undefined && typeof raw.description !== "string") at("description", "must be a string");
    const params = checkParams(
      raw.params,
      (field, message) => at(`params.${field}`, message),
      (m) => at("params", m),
    );
    const names = checkNames(raw.names, alias, aliasNames, (index, message) => {
      const entry = index === undefined ? [] : [index];
      problems.push({
        file,
        alias,
        field: index === undefined ? "names" : `names[${index}]`,
        message,
        position: jsonValuePosition(text, [...(wrapped ? ["models"] : []), alias, "names", ...entry]),
      });
    });
    if (problems.length > before) continue;
    aliases.set(alias, {
      alias,
      id: (id as string).trim(),
      type: type as ModelAlias["type"],
      region: region as string,
      compartmentId: compartmentId as string | undefined,
      params,
      ...(capability === undefined ? {} : { capability: capability as Capability }),
      apiFormat: apiFormat as ApiFormat | undefined,
      endpoint: endpoint === undefined ? undefined : (endpoint as string).replace(/\/+$/, ""),
      description: raw.description as string | undefined,
      ...(names.length > 0 ? { names } : {}),
    });
  }
  if (pools.length > 0) {
    const pooled = checkPools(pools, aliases, (alias, field, message) =>
      problems.push({ file, alias, field, message }),
    );
    // Back in file order: the order of `names` patterns decides which alias a name means.
    const all = new Map([...aliases, ...pooled]);
    aliases.clear();
    for (const name of aliasNames) if (all.has(name)) aliases.set(name, all.get(name)!);
  }
  if (aliases.size === 0 && problems.length === 0) problems.push({ file, message: "no aliases defined" });
  return { aliases, problems };
}

function checkParams(raw: unknown, at: (field: string, m: string) => void, whole: (m: string) => void): AliasParams {
  if (raw === undefined) return {};
  if (!isObject(raw)) {
    whole("must be an object");
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    // Own keys only: `constructor` or `toString` must not find Object.prototype's.
    const rule = Object.hasOwn(PARAM_RULES, key) ? PARAM_RULES[key as keyof AliasParams] : undefined;
    if (!rule) {
      at(key, `not a supported default (supported: ${Object.keys(PARAM_RULES).join(", ")})`);
      continue;
    }
    if (rule.kind === "enum") {
      const v = typeof value === "string" ? value.toLowerCase() : undefined;
      if (!v || !rule.values.includes(v)) at(key, `must be one of ${rule.values.join(", ")}`);
      else out[key] = v;
      continue;
    }
    if (typeof value !== "number" || !Number.isFinite(value)) at(key, "must be a number");
    else if (rule.integer && !Number.isInteger(value)) at(key, "must be an integer");
    else if (rule.min !== undefined && value < rule.min) at(key, `must be ≥ ${rule.min}`);
    else if (rule.max !== undefined && value > rule.max) at(key, `must be ≤ ${rule.max}`);
    else out[key] = value;
  }
  return out as AliasParams;
}

/**
 * The alias's extra names (docs/configuration.md#names). A name or pattern that is or matches
 * an alias name is refused: the exact alias would always win, so the entry could never apply.
 */
function checkNames(
  raw: unknown,
  alias: string,
  aliasNames: readonly string[],
  at: (index: number | undefined, message: string) => void,
): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    at(undefined, "must be a list of model names (glob patterns with * and ? allowed)");
    return [];
  }
  const seen = new Map<string, number>();
  raw.forEach((name: unknown, index) => {
    if (typeof name !== "string" || name === "") {
      at(index, `must be a non-empty string, got ${JSON.stringify(name)}`);
      return;
    }
    const first = seen.get(name);
    if (first !== undefined) at(index, `'${name}' is listed twice (also names[${first}])`);
    else seen.set(name, index);
    if (isGlob(name)) {
      const pattern = compileGlob(name);
      const hits = aliasNames.filter((a) => pattern.test(a));
      if (hits.length > 0)
        at(
          index,
          `pattern '${name}' matches the alias name${hits.length > 1 ? "s" : ""} ${hits.map((h) => `'${h}'`).join(", ")}; patterns may not match alias names`,
        );
    } else if (aliasNames.includes(name)) {
      at(
        index,
        `${name === alias ? `'${name}' is this alias's own name` : `'${name}' is the name of alias '${name}'`}; extra names may not be alias names`,
      );
    }
  });
  return raw.filter((n): n is string => typeof n === "string" && n !== "");
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isHttpUrl(v: unknown): boolean {
  if (typeof v !== "string") return false;
  try {
    const u = new URL(v);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

/** "invalid JSON at line L, column C: <what>", the position found by our own scan. */
export function invalidJson(text: string, e: unknown): string {
  const at = jsonErrorPosition(text);
  const what = (e as Error).message.replace(/^JSON Parse error: /, "");
  return at ? `invalid JSON at line ${at.line}, column ${at.column}: ${what}` : `invalid JSON: ${what}`;
}
