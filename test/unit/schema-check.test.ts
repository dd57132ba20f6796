/** Sanity checks of the test-only schema checker, so a passing example-from-schema test means something. */
import { describe, expect, test } from "bun:test";
import { schemaErrors } from "./schema-check";

describe("schemaErrors (test helper)", () => {
  test("accepts valid and rejects invalid values", () => {
    const s = {
      type: "object",
      properties: { a: { type: "integer", maximum: 3 }, b: { type: "string", maxLength: 2 } },
      required: ["a"],
    };
    expect(schemaErrors(s, { a: 1, b: "xy" })).toEqual([]);
    expect(schemaErrors(s, { b: "xy" })).toHaveLength(1);
    expect(schemaErrors(s, { a: 4 })).toHaveLength(1);
    expect(schemaErrors(s, { a: 1, b: "xyz" })).toHaveLength(1);
    expect(schemaErrors(s, { a: 1.5 })).toHaveLength(1);
  });

  test("follows local $ref", () => {
    const s = {
      $defs: { P: { type: "object", properties: { n: { type: "string" } }, required: ["n"] } },
      $ref: "#/$defs/P",
    };
    expect(schemaErrors(s, { n: "x" })).toEqual([]);
    expect(schemaErrors(s, {})).toHaveLength(1);
  });
});
