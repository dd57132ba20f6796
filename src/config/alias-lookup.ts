import { compileGlob, isGlob } from "./compile-glob";
import type { ModelAlias } from "./types";

/** Names resolved through patterns that are remembered, per loaded config. */
export const PATTERN_CACHE_SIZE = 256;
/**
 * Longer names are still matched but not remembered: the cache holds client-supplied strings,
 * and 256 bodies' worth of megabyte-long `model` fields is not a cache.
 */
const CACHED_NAME_MAX = 512;

/**
 * Which alias a model name means (docs/configuration.md#names): an alias by its own name; else
 * an alias's plain extra name (the first alias listing it, in file order); else the first
 * alias, in file order, with a pattern matching the name. Built once per loaded config, so
 * patterns are compiled once, and a name seen again costs one map lookup, not a regex.
 */
export class AliasLookup {
  private readonly exact = new Map<string, ModelAlias>();
  private readonly patterns: Array<{ pattern: RegExp; alias: ModelAlias }> = [];
  /** Answers found through patterns, misses included (null), oldest first. */
  private readonly matched = new Map<string, ModelAlias | null>();

  constructor(aliases: ReadonlyMap<string, ModelAlias>) {
    for (const a of aliases.values()) this.exact.set(a.alias, a);
    for (const a of aliases.values()) {
      for (const name of a.names ?? []) {
        if (isGlob(name)) this.patterns.push({ pattern: compileGlob(name), alias: a });
        else if (!this.exact.has(name)) this.exact.set(name, a);
      }
    }
  }

  find(name: string): ModelAlias | undefined {
    const exact = this.exact.get(name);
    if (exact !== undefined || this.patterns.length === 0) return exact;
    const known = this.matched.get(name);
    if (known !== undefined) return known ?? undefined;
    const found = this.patterns.find((p) => p.pattern.test(name))?.alias;
    if (name.length <= CACHED_NAME_MAX) {
      if (this.matched.size >= PATTERN_CACHE_SIZE) this.matched.delete(this.matched.keys().next().value!);
      this.matched.set(name, found ?? null);
    }
    return found;
  }
}
