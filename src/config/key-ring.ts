import { sha256Hex } from "../lib/sha256";
import type { TeamKey } from "./api-keys";
import { ENV_KEY_PREFIX } from "./api-keys";
import { compileGlob } from "./compile-glob";

/** Who a caller is, once its key matched (docs/teams-and-quotas.md). */
export interface KeyIdentity {
  /**
   * The first 12 hex digits of the key's SHA-256: namespaces the caller's sessions, files and
   * stored responses, and is the same whether the key comes from API_KEY(S) or api_keys.json.
   */
  id: string;
  /** The team's name, or `env:<id>` for an API_KEY / API_KEYS key: for usage and metrics. */
  name: string;
  /** The team's entry (limits, allowlist, admin); undefined for API_KEY / API_KEYS keys. */
  team?: TeamKey;
  /** Whether the key may use this alias (its `models` allowlist; every alias when there is none). */
  mayUse(alias: string): boolean;
}

/**
 * Every accepted key, by the SHA-256 of the key: the keys of API_KEY / API_KEYS (no limits, every
 * model) and the team keys of api_keys.json (only their hashes are known). A presented key is
 * hashed once and looked up, so the time taken does not depend on which key, if any, matched.
 * Built with each loaded config: a reload of api_keys.json replaces it whole.
 */
export class KeyRing {
  private readonly byHash = new Map<string, KeyIdentity>();

  constructor(envKeys: readonly string[], teams: readonly TeamKey[]) {
    for (const t of teams) this.byHash.set(t.sha256, teamIdentity(t));
    for (const k of envKeys) {
      const hash = sha256Hex(k);
      const id = hash.slice(0, 12);
      // A key in both places is the team's: its limits apply.
      if (!this.byHash.has(hash)) this.byHash.set(hash, { id, name: `${ENV_KEY_PREFIX}${id}`, mayUse: () => true });
    }
  }

  /** True when any key is configured (else only loopback callers are served). */
  get configured(): boolean {
    return this.byHash.size > 0;
  }

  get size(): number {
    return this.byHash.size;
  }

  identify(presented: string): KeyIdentity | undefined {
    return this.byHash.get(sha256Hex(presented));
  }
}

function teamIdentity(t: TeamKey): KeyIdentity {
  const patterns = t.models?.map(compileGlob);
  return {
    id: t.sha256.slice(0, 12),
    name: t.name,
    team: t,
    mayUse: patterns ? (alias) => patterns.some((p) => p.test(alias)) : () => true,
  };
}
