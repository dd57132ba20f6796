import { resolve } from "node:path";
import { jsonErrorPosition, jsonValuePosition, repeatedTopLevelNames } from "./json-error-position";
import { readConfigText } from "./read-config-text";
import type { ConfigProblem } from "./types";

/** Key names end up in metrics labels, logs and the usage report: kept to plain characters. */
export const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** A team's key as api_keys.json describes it (docs/teams-and-quotas.md). Only its hash is known. */
export interface TeamKey {
  name: string;
  /** SHA-256 of the key, lower-case hex. */
  sha256: string;
  /** Alias names and globs the key may use; undefined: every alias. */
  models?: string[];
  /** Requests per sliding minute. */
  rpm?: number;
  /** Tokens (input + output) per sliding minute. */
  tpm?: number;
  /** Tokens per UTC day. */
  dailyTokens?: number;
  /** Requests in flight at once, across every instance sharing the store. */
  maxConcurrent?: number;
  /** May read /admin/usage. */
  admin: boolean;
}

export interface KeysFile {
  keys: TeamKey[];
  problems: ConfigProblem[];
}

/** How API_KEY / API_KEYS keys are named in usage and metrics: `env:` and their key id. */
export const ENV_KEY_PREFIX = "env:";

/** The largest limit: the quota store counts exactly up to here (a hundred billion tokens). */
export const MAX_KEY_LIMIT = 100_000_000_000;

const LIMIT_FIELDS = { rpm: "rpm", tpm: "tpm", daily_tokens: "dailyTokens", max_concurrent: "maxConcurrent" } as const;
const FIELDS = new Set(["sha256", "models", "admin", ...Object.keys(LIMIT_FIELDS)]);
const SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * Reads api_keys.json: `{ "<name>": { sha256, models?, rpm?, tpm?, daily_tokens?,
 * max_concurrent?, admin? } }`, every problem collected with its line. A missing file is no
 * problem unless it was named explicitly (`--keys`, API_KEYS_FILE): then it is one.
 */
export function loadApiKeys(path: string, explicit: boolean): KeysFile {
  const file = resolve(path);
  let text: string;
  try {
    text = readConfigText(file);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
    if (missing && !explicit) return { keys: [], problems: [] };
    return {
      keys: [],
      problems: [{ file, message: missing ? "file not found" : `cannot read: ${(e as Error).message}` }],
    };
  }
  return parseApiKeys(text, file);
}

export function parseApiKeys(text: string, file: string): KeysFile {
  const problems: ConfigProblem[] = [];
  const keys: TeamKey[] = [];
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    const at = jsonErrorPosition(text);
    return { keys, problems: [{ file, message: `not valid JSON: ${(e as Error).message}`, position: at }] };
  }
  if (!isObject(root)) return { keys, problems: [{ file, message: "top level must be a JSON object of key names" }] };
  for (const r of repeatedTopLevelNames(text)) {
    problems.push({
      file,
      key: r.name,
      message: "named twice: the later entry would silently replace the earlier one; keep one",
      position: r.position,
    });
  }
  const hashes = new Map<string, string>();
  for (const [name, raw] of Object.entries(root)) {
    if (name.startsWith("_")) continue; // comments, as in llm_models.json
    const at = (field: string | undefined, message: string, path: Array<string | number> = []) =>
      problems.push({
        file,
        key: name,
        field,
        message,
        position: jsonValuePosition(text, [name, ...(field ? [field.replace(/\[\d+\]$/, "")] : []), ...path]),
      });
    if (!KEY_NAME_PATTERN.test(name)) {
      at(
        undefined,
        "key names may use letters, digits, '.', '_', ':' and '-' (max 64), starting with a letter or digit",
      );
      continue;
    }
    if (name.startsWith(ENV_KEY_PREFIX)) {
      at(undefined, `names starting with '${ENV_KEY_PREFIX}' are kept for the API_KEY / API_KEYS keys`);
      continue;
    }
    if (!isObject(raw)) {
      at(undefined, "must be an object with at least 'sha256'");
      continue;
    }
    const before = problems.length;
    for (const field of Object.keys(raw)) {
      if (!FIELDS.has(field) && !field.startsWith("_")) at(field, `unknown field (known: ${[...FIELDS].join(", ")})`);
    }
    const sha = raw.sha256;
    if (typeof sha !== "string" || !SHA256.test(sha)) {
      at("sha256", "required: the SHA-256 of the key as 64 hex digits (`ocigenai keys new` prints it)");
    } else {
      const other = hashes.get(sha.toLowerCase());
      if (other !== undefined) at("sha256", `the same key as '${other}'`);
      else hashes.set(sha.toLowerCase(), name);
    }
    const models = checkModels(raw.models, at);
    const limits: Partial<Record<(typeof LIMIT_FIELDS)[keyof typeof LIMIT_FIELDS], number>> = {};
    for (const [field, prop] of Object.entries(LIMIT_FIELDS)) {
      const v = raw[field];
      if (v === undefined) continue;
      if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > MAX_KEY_LIMIT)
        at(field, `must be a whole number from 1 to ${MAX_KEY_LIMIT}`);
      else limits[prop] = v;
    }
    if (raw.admin !== undefined && typeof raw.admin !== "boolean") at("admin", "must be true or false");
    if (problems.length > before) continue;
    keys.push({
      name,
      sha256: (sha as string).toLowerCase(),
      ...(models ? { models } : {}),
      ...limits,
      admin: raw.admin === true,
    });
  }
  return { keys, problems };
}

function checkModels(
  raw: unknown,
  at: (field: string, message: string, path?: Array<string | number>) => void,
): string[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) {
    at("models", "must be a list of alias names (glob patterns with * and ? allowed)");
    return undefined;
  }
  raw.forEach((m, i) => {
    if (typeof m !== "string" || m === "") at(`models[${i}]`, "must be a non-empty string", [i]);
  });
  return raw.every((m) => typeof m === "string" && m !== "") ? (raw as string[]) : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
