import { expect, test } from "bun:test";
import * as common from "oci-common";
import { isKnownRegion, regionDomain } from "../../src/config/regions";
import table from "../../src/config/regions.json" with { type: "json" };

test("the region table equals oci-common's (run scripts/update-regions.ts after upgrading oci-common)", () => {
  const fromSdk = Object.fromEntries(common.Region.values().map((r) => [r.regionId, r.realm.secondLevelDomain]));
  expect(table as Record<string, string>).toEqual(fromSdk);
});

test("known regions and their realms' domains; unknown ones fall back to the commercial realm", () => {
  expect(isKnownRegion("us-chicago-1")).toBe(true);
  expect(regionDomain("us-chicago-1")).toBe("oraclecloud.com");
  expect(isKnownRegion("mars-north-1")).toBe(false);
  expect(regionDomain("mars-north-1")).toBe("oraclecloud.com");
  const gov = Object.entries(table).find(([, d]) => d !== "oraclecloud.com");
  expect(gov).toBeDefined();
  expect(regionDomain(gov![0])).toBe(gov![1]);
});
