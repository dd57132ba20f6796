import * as common from "oci-common";

/**
 * Region id → second-level domain, from oci-common's built-in table. Read once; we never call
 * Region.fromRegionId for unknown ids because it may probe the instance metadata service.
 */
let table: Map<string, string> | undefined;

function regions(): Map<string, string> {
  table ??= new Map(common.Region.values().map((r) => [r.regionId, r.realm.secondLevelDomain]));
  return table;
}

export function isKnownRegion(regionId: string): boolean {
  return regions().has(regionId);
}

/** Unknown regions fall back to the commercial realm, as oci-common does. */
export function regionDomain(regionId: string): string {
  return regions().get(regionId) ?? "oraclecloud.com";
}
