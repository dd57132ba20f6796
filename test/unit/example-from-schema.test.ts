/** Deterministic values that satisfy a JSON schema (CONTRACT §8; src/mock/example-from-schema.ts). */
import { describe, expect, test } from "bun:test";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { simplifyJsonSchema } from "../../src/chat/formats/simplify-json-schema";
import { exampleFromPattern } from "../../src/mock/example-from-pattern";
import { exampleFromSchema } from "../../src/mock/example-from-schema";
import { schemaErrors } from "./schema-check";

const satisfies = (schema: unknown) => {
  const v = exampleFromSchema(schema);
  expect({ value: v, errors: schemaErrors(schema, v) }).toEqual({ value: v, errors: [] });
  return v;
};

describe("exampleFromSchema: exact values", () => {
  test.each([
    [{ type: "string" }, "example"],
    [{ type: "string", minLength: 10 }, "xxxxxxxxxx"],
    [{ type: "string", format: "date-time" }, "2024-01-01T00:00:00Z"],
    [{ type: "string", format: "date" }, "2024-01-01"],
    [{ type: "string", format: "email" }, "user@example.com"],
    [{ type: "integer" }, 1],
    [{ type: "integer", minimum: 2.5 }, 3],
    [{ type: "number" }, 1],
    [{ type: "number", minimum: 0.2, maximum: 0.8 }, 0.8],
    [{ type: "number", minimum: 7 }, 7],
    [{ type: "boolean" }, true],
    [{ type: "null" }, null],
    [{ enum: ["b", "a"] }, "b"],
    [{ const: 42 }, 42],
    [{ type: "string", default: "dflt" }, "dflt"],
    [{ type: ["null", "string"] }, "example"],
    [{ anyOf: [{ type: "null" }, { type: "integer" }] }, 1],
    [{ oneOf: [{ type: "boolean" }] }, true],
    [{}, {}],
    [{ type: "array", items: { type: "integer" } }, [1]],
    [{ type: "array", items: { type: "string" }, minItems: 3 }, ["example", "example", "example"]],
  ])("%j → %j", (schema, expected) => {
    expect(exampleFromSchema(schema)).toEqual(expected);
  });

  test("non-schemas give null", () => {
    expect(exampleFromSchema(null)).toBeNull();
    expect(exampleFromSchema("string")).toBeNull();
  });

  test("deterministic", () => {
    const s = {
      type: "object",
      properties: { a: { type: "array", items: { type: "object", properties: { b: { type: "number" } } } } },
    };
    expect(JSON.stringify(exampleFromSchema(s))).toBe(JSON.stringify(exampleFromSchema(s)));
  });

  test("deep recursion is cut off instead of overflowing", () => {
    const node: Record<string, unknown> = { type: "object", properties: {} };
    (node.properties as Record<string, unknown>).child = node;
    expect(() => exampleFromSchema(node)).not.toThrow();
  });
});

describe("exampleFromSchema: results satisfy their schema", () => {
  test("a typical tool parameter schema", () => {
    const v = satisfies({
      type: "object",
      properties: {
        city: { type: "string", description: "City name" },
        unit: { type: "string", enum: ["celsius", "fahrenheit"] },
        days: { type: "integer", minimum: 1 },
        detailed: { type: "boolean" },
      },
      required: ["city", "unit"],
      additionalProperties: false,
    });
    expect(v).toEqual({ city: "example", unit: "celsius", days: 1, detailed: true });
  });

  test("OpenAI strict structured-output schema (nullable fields, nested arrays of objects)", () => {
    satisfies({
      type: "object",
      properties: {
        name: { type: "string" },
        age: { type: ["integer", "null"] },
        tags: { type: "array", items: { type: "string" } },
        address: {
          anyOf: [
            { type: "null" },
            {
              type: "object",
              properties: { street: { type: "string" } },
              required: ["street"],
              additionalProperties: false,
            },
          ],
        },
        people: {
          type: "array",
          items: {
            type: "object",
            properties: { n: { type: "string", minLength: 3 }, score: { type: "number", minimum: 0 } },
            required: ["n", "score"],
          },
          minItems: 2,
        },
      },
      required: ["name", "age", "tags", "address", "people"],
      additionalProperties: false,
    });
  });

  test.each([
    ["number with only a maximum below 1", { type: "number", maximum: 0.5 }],
    ["number in [0, 1]", { type: "number", minimum: 0, maximum: 1 }],
    ["integer with a negative maximum", { type: "integer", maximum: -1 }],
    ["integer with maximum 0", { type: "integer", maximum: 0 }],
    ["number with exclusiveMinimum", { type: "number", exclusiveMinimum: 5 }],
    ["integer with exclusiveMinimum", { type: "integer", exclusiveMinimum: 1 }],
    ["string with maxLength (e.g. a country code)", { type: "string", maxLength: 2 }],
    ["string with minLength and maxLength", { type: "string", minLength: 1, maxLength: 3 }],
  ])("min/max: %s", (_what, schema) => {
    satisfies(schema);
  });

  test("$ref into $defs (what pydantic / zod generate for nested models)", () => {
    satisfies({
      $defs: {
        Step: {
          type: "object",
          properties: { explanation: { type: "string" }, output: { type: "string" } },
          required: ["explanation", "output"],
          additionalProperties: false,
        },
      },
      type: "object",
      properties: { steps: { type: "array", items: { $ref: "#/$defs/Step" } }, final_answer: { type: "string" } },
      required: ["steps", "final_answer"],
      additionalProperties: false,
    });
  });

  test("a schema asking for huge values gets a bounded example at once, not a stalled server or a RangeError", () => {
    const arrays = exampleFromSchema({
      type: "object",
      properties: { a: { type: "array", items: { type: "string" }, minItems: 100_000_000 } },
    }) as { a: string[] };
    expect(arrays.a.length).toBeGreaterThan(0);
    expect(arrays.a.length).toBeLessThanOrEqual(64);
    expect(() => exampleFromSchema({ type: "array", minItems: 1e10 })).not.toThrow();
    expect((exampleFromSchema({ type: "string", minLength: 1e12 }) as string).length).toBeLessThanOrEqual(4096);
    // Arrays of arrays of arrays …: the example as a whole has a bound, not each level.
    let nested: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 10; i++) nested = { type: "array", items: nested, minItems: 50 };
    expect(JSON.stringify(exampleFromSchema(nested)).length).toBeLessThan(200_000);
  });

  test("within the bounds, minItems and minLength are met", () => {
    satisfies({
      type: "object",
      properties: {
        a: { type: "array", items: { type: "integer" }, minItems: 40 },
        s: { type: "string", minLength: 300 },
      },
      required: ["a", "s"],
    });
  });
});

/** ajv (draft 2020-12, formats on): a real validator for what pydantic, zod and OpenAI strict schemas say. */
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
const ajvErrors = (schema: unknown, value: unknown) => {
  const check = ajv.compile(schema as object);
  return check(value) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
};

describe("exampleFromSchema: what client schemas say beyond the common subset (checked by ajv)", () => {
  test.each([
    ["a pattern through $defs", { $defs: { Zip: { type: "string", pattern: "^[0-9]{5}$" } }, $ref: "#/$defs/Zip" }],
    ["a set of literals", { type: "array", items: { enum: ["red", "green", "blue"] }, uniqueItems: true, minItems: 2 }],
    ["unique integers", { type: "array", items: { type: "integer", minimum: 1 }, uniqueItems: true, minItems: 3 }],
    ["unique strings", { type: "array", items: { type: "string", maxLength: 8 }, uniqueItems: true, minItems: 3 }],
    ["multipleOf", { type: "integer", multipleOf: 5, minimum: 3 }],
    ["multipleOf 0.25 below 1", { type: "number", multipleOf: 0.25, maximum: 0.9 }],
    ["a tuple", { type: "array", prefixItems: [{ type: "string" }, { type: "integer" }], items: false }],
    ["an ipv4 address", { type: "string", format: "ipv4" }],
    [
      "a hostname, an ipv6 address, a time",
      {
        type: "array",
        prefixItems: [
          { type: "string", format: "hostname" },
          { type: "string", format: "ipv6" },
          { type: "string", format: "time" },
        ],
        minItems: 3,
      },
    ],
    ["a map with at least one entry", { type: "object", additionalProperties: { type: "number" }, minProperties: 1 }],
  ])("%s", (_what, schema) => {
    expect(ajvErrors(schema, exampleFromSchema(schema))).toEqual([]);
  });

  test("a recursive type, as the gateway sends it to OCI (cut where it repeats), still fits the client's schema", () => {
    const client = {
      $defs: {
        Node: {
          type: "object",
          properties: { value: { type: "string" }, children: { type: "array", items: { $ref: "#/$defs/Node" } } },
          required: ["value", "children"],
          additionalProperties: false,
        },
      },
      $ref: "#/$defs/Node",
    };
    const sent = simplifyJsonSchema(client, "response_format.json_schema.schema");
    const v = exampleFromSchema(sent);
    expect(ajvErrors(client, v)).toEqual([]);
    expect(v).toEqual({ value: "example", children: [] });
  });
});

describe("exampleFromPattern", () => {
  test.each([
    "^[0-9]{5}$",
    "^[A-Z]{2}-\\d{4}$",
    "^(foo|bar)_\\w+$",
    "^\\d{3}-\\d{3}-\\d{4}$",
    "^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$",
    "^(?:\\+?1[-. ]?)?\\(?\\d{3}\\)?[-. ]?\\d{3}[-. ]?\\d{4}$",
    "^SKU-[A-F0-9]{8}$",
    "^[a-z][a-z0-9_]*$",
    "^v\\d+\\.\\d+\\.\\d+$",
    "^[\\w.-]+@[a-z]+\\.(com|org)$",
    "^a?b?c$",
    "^(a|b(c|d))+$",
    "^[\\-+]?\\d+(\\.\\d{1,2})?$",
  ])("%s: an example it accepts", (pattern) => {
    const v = exampleFromPattern(pattern);
    expect(v).toBeString();
    expect(new RegExp(pattern, "u").test(v!)).toBe(true);
  });

  test.each(["^(?=.*\\d).{8,}$", "^(a)\\1$", "(", "[z-a]"])("%s: nothing rather than a wrong example", (pattern) => {
    expect(exampleFromPattern(pattern)).toBeUndefined();
  });
});
