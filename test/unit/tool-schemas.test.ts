/**
 * Tool schemas for OCI: JSON-schema simplification ($ref/$defs/anyOf/allOf), Cohere v1
 * parameterDefinitions, synthetic tool-call ids (CONTRACT §4, OCI-WIRE §2.4;
 * src/openai/simplify-json-schema.ts, cohere-parameter-definitions.ts, synthetic-tool-call-id.ts).
 */
import { describe, expect, test } from "bun:test";
import { toCohereParameterDefinitions } from "../../src/chat/formats/cohere-parameter-definitions";
import { simplifyJsonSchema } from "../../src/chat/formats/simplify-json-schema";
import { syntheticToolCallId } from "../../src/chat/formats/synthetic-tool-call-id";

const simplify = (s: unknown): any => simplifyJsonSchema(s, "tools[0].function.parameters");

describe("simplifyJsonSchema", () => {
  test("pydantic-style schema: $defs removed, $ref inlined, nullable anyOf reduced to its member, still nullable", () => {
    // What pydantic v2 emits for: class Address(BaseModel): street: str; zip: str | None = None
    //                               class Args(BaseModel): name: str; home: Address; work: Address | None = None
    const schema = {
      $defs: {
        Address: {
          properties: {
            street: { title: "Street", type: "string" },
            zip: { anyOf: [{ type: "string" }, { type: "null" }], default: null, title: "Zip" },
          },
          required: ["street"],
          title: "Address",
          type: "object",
        },
      },
      properties: {
        name: { title: "Name", type: "string" },
        home: { $ref: "#/$defs/Address" },
        work: { anyOf: [{ $ref: "#/$defs/Address" }, { type: "null" }], default: null, description: "Office" },
      },
      required: ["name", "home"],
      title: "Args",
      type: "object",
    };
    const address = {
      properties: {
        street: { title: "Street", type: "string" },
        zip: { type: ["string", "null"], default: null, title: "Zip" },
      },
      required: ["street"],
      title: "Address",
      type: "object",
    };
    expect(simplify(schema)).toEqual({
      properties: {
        name: { title: "Name", type: "string" },
        home: address,
        work: { ...address, type: ["object", "null"], default: null, description: "Office" },
      },
      required: ["name", "home"],
      title: "Args",
      type: "object",
    });
  });

  test("zod-to-json-schema style: root $ref into definitions, $schema dropped", () => {
    const schema = {
      $ref: "#/definitions/Args",
      definitions: {
        Args: { type: "object", properties: { q: { type: "string" } }, required: ["q"], additionalProperties: false },
      },
      $schema: "http://json-schema.org/draft-07/schema#",
    };
    expect(simplify(schema)).toEqual({
      type: "object",
      properties: { q: { type: "string" } },
      required: ["q"],
      additionalProperties: false,
    });
  });

  test("sibling keywords next to $ref win over the target's", () => {
    const schema = {
      $defs: { N: { type: "integer", description: "a number" } },
      type: "object",
      properties: { n: { $ref: "#/$defs/N", description: "the count" } },
    };
    expect(simplify(schema).properties.n).toEqual({ type: "integer", description: "the count" });
  });

  test("a recursive $ref terminates: the repeated reference becomes a plain object", () => {
    const schema = {
      $defs: {
        Node: {
          type: "object",
          properties: { value: { type: "string" }, children: { type: "array", items: { $ref: "#/$defs/Node" } } },
          required: ["value"],
        },
      },
      type: "object",
      properties: { tree: { $ref: "#/$defs/Node", description: "root" } },
    };
    expect(simplify(schema)).toEqual({
      type: "object",
      properties: {
        tree: {
          type: "object",
          properties: { value: { type: "string" }, children: { type: "array", items: { type: "object" } } },
          required: ["value"],
          description: "root",
        },
      },
    });
  });

  test("a self-referencing root ($ref: '#') terminates", () => {
    const schema = { type: "object", properties: { next: { $ref: "#", description: "linked" } } };
    const out = simplify(schema);
    expect(out.properties.next.type).toBe("object");
    expect(JSON.stringify(out)).not.toContain("$ref");
  });

  test("mutually recursive definitions terminate", () => {
    const schema = {
      $defs: {
        A: { type: "object", properties: { b: { $ref: "#/$defs/B" } } },
        B: { type: "object", properties: { a: { $ref: "#/$defs/A" } } },
      },
      $ref: "#/$defs/A",
    };
    expect(simplify(schema)).toEqual({
      type: "object",
      properties: { b: { type: "object", properties: { a: { type: "object" } } } },
    });
  });

  test("a non-recursive model nested four levels deep is inlined completely (only recursion is cut)", () => {
    // pydantic: Args.order: Order | None → Order.customer: Customer | None → Customer.address: Address | None → Address.geo: Geo | None
    const opt = (r: string) => ({ anyOf: [{ $ref: `#/$defs/${r}` }, { type: "null" }], default: null });
    const schema = {
      $defs: {
        Geo: {
          type: "object",
          properties: { lat: { type: "number" }, lon: { type: "number" } },
          required: ["lat", "lon"],
        },
        Address: { type: "object", properties: { geo: opt("Geo") } },
        Customer: { type: "object", properties: { address: opt("Address") } },
        Order: { type: "object", properties: { customer: opt("Customer") } },
      },
      type: "object",
      properties: { order: opt("Order") },
    };
    const nullableObject = ["object", "null"];
    const geo = {
      type: nullableObject,
      properties: { lat: { type: "number" }, lon: { type: "number" } },
      required: ["lat", "lon"],
      default: null,
    };
    expect(simplify(schema)).toEqual({
      type: "object",
      properties: {
        order: {
          type: nullableObject,
          default: null,
          properties: {
            customer: {
              type: nullableObject,
              default: null,
              properties: { address: { type: nullableObject, default: null, properties: { geo } } },
            },
          },
        },
      },
    });
  });

  // zod's .nullable() and LangChain's withStructuredOutput write the anyOf form: reduced to one
  // member, it must stay nullable, or a strict schema's optional field becomes required non-null.
  test("anyOf: [X, {type: null}] → X nullable (type: [X, null]; null in its enum), keeping outer keywords", () => {
    expect(simplify({ anyOf: [{ type: "integer", minimum: 1 }, { type: "null" }], description: "count" })).toEqual({
      type: ["integer", "null"],
      minimum: 1,
      description: "count",
    });
    // Order does not matter, and oneOf is treated the same.
    expect(simplify({ oneOf: [{ type: "null" }, { type: "string" }] })).toEqual({ type: ["string", "null"] });
    expect(simplify({ anyOf: [{ type: "string", enum: ["a", "b"] }, { type: "null" }] })).toEqual({
      type: ["string", "null"],
      enum: ["a", "b", null],
    });
    expect(simplify({ anyOf: [{ type: ["integer", "null"] }, { type: "null" }] })).toEqual({
      type: ["integer", "null"],
    });
    expect(simplify({ anyOf: [{ const: 3 }, { type: "null" }] })).toEqual({ const: 3 }); // no type of its own
    expect(simplify({ anyOf: [{ type: "integer", const: 3 }, { type: "null" }] })).toEqual({
      type: "integer",
      const: 3,
    });
  });

  test("a real union (two non-null members) is kept, its members simplified", () => {
    const schema = {
      $defs: { S: { type: "string" } },
      anyOf: [{ $ref: "#/$defs/S" }, { type: "integer" }, { type: "null" }],
    };
    expect(simplify(schema)).toEqual({ anyOf: [{ type: "string" }, { type: "integer" }, { type: "null" }] });
  });

  test("a single allOf is unwrapped (pydantic's wrapper around a $ref with a description)", () => {
    const schema = {
      $defs: { Unit: { type: "string", enum: ["C", "F"], title: "Unit" } },
      type: "object",
      properties: { unit: { allOf: [{ $ref: "#/$defs/Unit" }], description: "Temperature unit", default: "C" } },
    };
    expect(simplify(schema)).toEqual({
      type: "object",
      properties: {
        unit: { type: "string", enum: ["C", "F"], title: "Unit", description: "Temperature unit", default: "C" },
      },
    });
  });

  test("an allOf with several members is left alone", () => {
    const schema = { allOf: [{ type: "object" }, { required: ["a"] }] };
    expect(simplify(schema)).toEqual(schema);
  });

  test("property names that look like keywords are kept", () => {
    const schema = { type: "object", properties: { $defs: { type: "string" }, definitions: { type: "integer" } } };
    expect(simplify(schema)).toEqual(schema);
  });

  test("an unresolvable $ref becomes a plain object", () => {
    expect(
      simplify({
        type: "object",
        properties: { x: { $ref: "#/$defs/Missing" }, y: { $ref: "https://example.com/s.json" } },
      }),
    ).toEqual({
      type: "object",
      properties: { x: { type: "object" }, y: { type: "object" } },
    });
  });

  test("JSON-pointer escapes in $ref are decoded", () => {
    const schema = {
      $defs: { "a/b": { type: "boolean" } },
      type: "object",
      properties: { f: { $ref: "#/$defs/a~1b" } },
    };
    expect(simplify(schema).properties.f).toEqual({ type: "boolean" });
  });

  test("the input is not mutated; non-objects pass through", () => {
    const schema = { $defs: { A: { type: "string" } }, type: "object", properties: { a: { $ref: "#/$defs/A" } } };
    const copy = structuredClone(schema);
    simplify(schema);
    expect(schema).toEqual(copy);
    expect(simplifyJsonSchema(true, "p")).toBe(true);
    expect(simplifyJsonSchema(undefined, "p")).toBeUndefined();
  });
});

describe("toCohereParameterDefinitions", () => {
  test("scalar types map to Python names, required flags follow `required`", () => {
    expect(
      toCohereParameterDefinitions({
        type: "object",
        properties: {
          s: { type: "string", description: "a string" },
          i: { type: "integer" },
          f: { type: "number" },
          b: { type: "boolean" },
          d: { type: "object" },
        },
        required: ["s", "b"],
      }),
    ).toEqual({
      s: { type: "str", isRequired: true, description: "a string" },
      i: { type: "int", isRequired: false },
      f: { type: "float", isRequired: false },
      b: { type: "bool", isRequired: true },
      d: { type: "Dict", isRequired: false },
    });
  });

  test("arrays of scalars → List[...]", () => {
    expect(
      toCohereParameterDefinitions({
        type: "object",
        properties: {
          tags: { type: "array", items: { type: "string" } },
          ids: { type: "array", items: { type: "integer" } },
          xs: { type: "array", items: { type: "number" } },
        },
      }),
    ).toEqual({
      tags: { type: "List[str]", isRequired: false },
      ids: { type: "List[int]", isRequired: false },
      xs: { type: "List[float]", isRequired: false },
    });
  });

  test("nullable type arrays take the non-null type (OpenAI strict-mode optionals)", () => {
    expect(
      toCohereParameterDefinitions({
        properties: {
          n: { type: ["integer", "null"] },
          s: { type: ["string", "null"] },
          l: { type: ["array", "null"], items: { type: "boolean" } },
        },
      }),
    ).toEqual({
      n: { type: "int", isRequired: false },
      s: { type: "str", isRequired: false },
      l: { type: "List[bool]", isRequired: false },
    });
  });

  test("enum, format and bounds go into the description", () => {
    expect(
      toCohereParameterDefinitions({
        type: "object",
        properties: {
          unit: { type: "string", enum: ["C", "F"], description: "Unit." },
          day: { type: "string", format: "date" },
          n: { type: "integer", minimum: 1, maximum: 10 },
          code: { type: "string", minLength: 2, maxLength: 3, pattern: "^[A-Z]+$" },
          list: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 5 },
        },
        required: ["unit"],
      }),
    ).toEqual({
      unit: { type: "str", isRequired: true, description: 'Unit. One of: "C", "F".' },
      day: { type: "str", isRequired: false, description: "Format: date." },
      n: { type: "int", isRequired: false, description: "minimum: 1. maximum: 10." },
      code: { type: "str", isRequired: false, description: 'minLength: 2. maxLength: 3. pattern: "^[A-Z]+$".' },
      list: { type: "List[str]", isRequired: false, description: "minItems: 1. maxItems: 5." },
    });
  });

  test("shapes Cohere cannot express keep their JSON schema in the description", () => {
    const nested = { type: "object", properties: { lat: { type: "number" } }, required: ["lat"] };
    const listOfObjects = { type: "array", items: { type: "object", properties: { k: { type: "string" } } } };
    const union = { anyOf: [{ type: "string" }, { type: "integer" }] };
    expect(
      toCohereParameterDefinitions({
        type: "object",
        properties: {
          where: { ...nested, description: "Position." },
          pairs: listOfObjects,
          id: union,
          multi: { type: ["string", "integer"] },
        },
        required: ["where"],
      }),
    ).toEqual({
      where: { type: "Dict", isRequired: true, description: `Position. JSON schema: ${JSON.stringify(nested)}` },
      pairs: { type: "List", isRequired: false, description: `JSON schema: ${JSON.stringify(listOfObjects)}` },
      id: { type: "str", isRequired: false, description: `JSON schema: ${JSON.stringify(union)}` },
      multi: {
        type: "str",
        isRequired: false,
        description: `JSON schema: ${JSON.stringify({ type: ["string", "integer"] })}`,
      },
    });
  });

  test("no properties, or no schema at all → no parameters", () => {
    expect(toCohereParameterDefinitions({ type: "object" })).toEqual({});
    expect(toCohereParameterDefinitions({})).toEqual({});
    expect(toCohereParameterDefinitions(undefined)).toEqual({});
  });

  test("a list of nullable strings is still List[str] to Cohere", () => {
    const schema = {
      type: "object",
      properties: { tags: { type: "array", items: { anyOf: [{ type: "string" }, { type: "null" }] } } },
    };
    expect(toCohereParameterDefinitions(simplifyJsonSchema(schema, "tools[0].function.parameters"))).toEqual({
      tags: { type: "List[str]", isRequired: false },
    });
  });

  test("a simplified pydantic schema maps cleanly (the converter's pipeline)", () => {
    const schema = {
      $defs: { Unit: { type: "string", enum: ["C", "F"] } },
      type: "object",
      properties: {
        city: { type: "string", description: "City" },
        unit: { anyOf: [{ $ref: "#/$defs/Unit" }, { type: "null" }], default: null },
      },
      required: ["city"],
    };
    expect(toCohereParameterDefinitions(simplifyJsonSchema(schema, "tools[0].function.parameters"))).toEqual({
      city: { type: "str", isRequired: true, description: "City" },
      unit: { type: "str", isRequired: false, description: 'One of: "C", "F", null.' },
    });
  });
});

describe("syntheticToolCallId", () => {
  test("deterministic: the same call always gets the same id", () => {
    const a = syntheticToolCallId(0, "get_weather", '{"city":"Paris"}');
    expect(a).toBe(syntheticToolCallId(0, "get_weather", '{"city":"Paris"}'));
    expect(a).toMatch(/^call_[0-9a-f]{24}$/);
  });

  test("distinct for a different position, name or arguments", () => {
    const ids = [
      syntheticToolCallId(0, "get_weather", '{"city":"Paris"}'),
      syntheticToolCallId(1, "get_weather", '{"city":"Paris"}'),
      syntheticToolCallId(0, "get_time", '{"city":"Paris"}'),
      syntheticToolCallId(0, "get_weather", '{"city":"Rome"}'),
      // The separator keeps name/argument boundaries apart.
      syntheticToolCallId(0, "ab", "c"),
      syntheticToolCallId(0, "a", "bc"),
      syntheticToolCallId(1, "0", ""),
      syntheticToolCallId(10, "", ""),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });
});
