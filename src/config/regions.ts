import table from "./regions.json" with { type: "json" };

/**
 * Region id → second-level domain, generated from oci-common's own table by
 * scripts/update-regions.ts (test/unit/regions.test.ts keeps the two equal). Reading it here
 * spares start-up from loading all of oci-common.
 */
const regions = new Map<string, string>(Object.entries(table));

export function isKnownRegion(regionId: string): boolean {
  return regions.has(regionId);
}

/** Unknown regions fall back to the commercial realm, as oci-common does. */
export function regionDomain(regionId: string): string {
  return regions.get(regionId) ?? "oraclecloud.com";
}
