/** Deterministic values that satisfy a JSON schema (CONTRACT §8; src/mock/example-from-schema.ts). */
import { describe, expect, test } from "bun:test";
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
