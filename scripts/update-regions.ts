/**
 * Writes src/config/regions.json — region id → second-level domain — from the installed oci-common.
 * The gateway reads this small table instead of loading oci-common at start-up (it is the
 * largest module in the binary, and API-key signing does not need it). A unit test fails when
 * the table and oci-common disagree, so an upgrade of oci-common prompts `bun scripts/update-regions.ts`.
 */
import * as common from "oci-common";

const table = Object.fromEntries(
  common.Region.values()
    .map((r) => [r.regionId, r.realm.secondLevelDomain] as const)
    .sort(([a], [b]) => a.localeCompare(b)),
);
await Bun.write(new URL("../src/config/regions.json", import.meta.url), `${JSON.stringify(table, null, 1)}\n`);
console.log(`wrote ${Object.keys(table).length} regions`);
