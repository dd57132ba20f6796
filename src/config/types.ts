/** Shapes of the loaded configuration. Loaders validate into these; nothing else parses files. */

export type ApiFormat = "GENERIC" | "COHERE" | "COHEREV2";
export const API_FORMATS: readonly ApiFormat[] = ["GENERIC", "COHERE", "COHEREV2"];

export type AliasType = "model" | "agent" | "pool";

/** How a pool orders its members for each request (docs/several-regions.md). */
export type PoolStrategy = "round_robin" | "least_busy" | "ordered";
export const POOL_STRATEGIES: readonly PoolStrategy[] = ["round_robin", "least_busy", "ordered"];

/**
 * What a model alias serves (docs/configuration.md#capability): `chat` on the chat routes,
 * `embedding` on the embeddings routes, `rerank` on /v1/rerank, `moderation` on /v1/moderations.
 */
export type Capability = "chat" | "embedding" | "rerank" | "moderation";
export const CAPABILITIES: readonly Capability[] = ["chat", "embedding", "rerank", "moderation"];

/** What a pool's members serve: one capability for all (moderation has no model to pool). */
export type PoolKind = Exclude<Capability, "moderation">;

/** A pool alias's own part: its members (other aliases) and how it treats them. */
export interface PoolSpec {
  members: readonly string[];
  strategy: PoolStrategy;
  kind: PoolKind;
  /** Consecutive failures that open a member's breaker, and how long it stays open. */
  breaker: { failures: number; openMs: number };
  /**
   * How long one member may take (to its answer; for a stream, to its first event) before the
   * next is tried; without it a member may use the request's whole deadline.
   */
  attemptTimeoutMs?: number;
}

/** Per-alias request defaults (`params` in llm_models.json); a request's own value wins. */
export interface AliasParams {
  temperature?: number;
  top_p?: number;
  top_k?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  reasoning_effort?: string;
  verbosity?: string;
  /** Not a default: the most output tokens a request to this alias may ask for (larger → 400). */
  max_tokens_limit?: number;
}

export interface ModelAlias {
  alias: string;
  /** Model name, model OCID, dedicated endpoint OCID or agent endpoint OCID; a pool's own name. */
  id: string;
  type: AliasType;
  region: string;
  compartmentId?: string;
  params: AliasParams;
  /** Explicit capability from config; undefined means "infer from the id" (config/capability.ts). */
  capability?: Capability;
  /** Explicit format from config; undefined means "infer from the id". */
  apiFormat?: ApiFormat;
  /** Base URL override for this alias (private endpoints). */
  endpoint?: string;
  description?: string;
  /**
   * Extra model names this alias answers to, in file order; `*` and `?` make a name a glob
   * pattern (docs/configuration.md#names). Absent when none are configured.
   */
  names?: readonly string[];
  /**
   * Set for `type: "pool"` only. A pool has no model of its own: its `region` and
   * `compartmentId` are its first model's (for files and listings), its `params` are empty, and
   * each member's own settings apply when that member is called.
   */
  pool?: PoolSpec;
}

export interface Credentials {
  /** Absolute path of the file the values came from (for messages and relative key_file). */
  path: string;
  profile: string;
  user?: string;
  fingerprint?: string;
  tenancy?: string;
  region?: string;
  keyFile?: string;
  passPhrase?: string;
  securityTokenFile?: string;
  /** Seed behaviour: a `test_mode=true` line turns TEST_MODE on. */
  testMode: boolean;
}

/** One configuration problem, located precisely enough to fix without guessing. */
export interface ConfigProblem {
  file: string;
  alias?: string;
  /** A team key's name (api_keys.json). */
  key?: string;
  field?: string;
  /** Where the offending value starts in the file, when the loader knows. */
  position?: { line: number; column: number };
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = [
    p.file,
    p.alias && `alias '${p.alias}'`,
    p.key && `key '${p.key}'`,
    p.field && `field '${p.field}'`,
    p.position && `line ${p.position.line}, column ${p.position.column}`,
  ]
    .filter(Boolean)
    .join(", ");
  return `${where}: ${p.message}`;
}

/**
 * The namespace of callers when no API key is configured (loopback only): sessions and files
 * made then belong to it. With keys, each key's id is its own namespace.
 */
export const LOCAL_OWNER = "local";
