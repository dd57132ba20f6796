/**
 * Issue 11 #1 and #12: tool and response schemas whose $refs would expand exponentially, and
 * malformed $ref escapes. Refused with a 400 naming the parameter, quickly, while the gateway
 * keeps answering others.
 */
import { describe, expect, test } from "bun:test";
import { simplifyJsonSchema } from "../../src/chat/formats/simplify-json-schema";
import { makeTestApp } from "../support/app";
import { COMPARTMENT, testModels } from "../support/gateway";
import { apiError } from "../support/throws";

/** d0 refers twice to d1, which refers twice to d2, …: `levels` deep, 2^levels leaves inlined. */
function doubling(levels: number): Record<string, unknown> {
  const defs: Record<string, unknown> = {};
  for (let i = 0; i < levels; i++) {
    defs[`d${i}`] = {
      type: "object",
      properties: { a: { $ref: `#/$defs/d${i + 1}` }, b: { $ref: `#/$defs/d${i + 1}` } },
    };
  }
  defs[`d${levels}`] = { type: "string" };
  return { type: "object", properties: { root: { $ref: "#/$defs/d0" } }, $defs: defs };
}

/** One definition used `width` times by each of `depth` levels: polynomial, but huge. */
function wide(width: number, depth: number): Record<string, unknown> {
  const defs: Record<string, unknown> = {};
  for (let i = 0; i < depth; i++) {
    defs[`w${i}`] = {
      type: "object",
      properties: Object.fromEntries(Array.from({ length: width }, (_, j) => [`p${j}`, { $ref: `#/$defs/w${i + 1}` }])),
    };
  }
  defs[`w${depth}`] = { type: "integer" };
  return { type: "object", properties: { root: { $ref: "#/$defs/w0" } }, $defs: defs };
}

describe("simplifyJsonSchema: expansion is budgeted", () => {
  test("the review's 22-level doubling schema is refused naming the parameter", () => {
    const schema = doubling(22);
    expect(JSON.stringify(schema).length).toBeLessThan(4000);
    const e = apiError(() => simplifyJsonSchema(schema, "tools[3].function.parameters"));
    expect(e.status).toBe(400);
    expect(e.param).toBe("tools[3].function.parameters");
    expect(e.code).toBe("schema_too_large");
    expect(e.message).toContain("MAX_SCHEMA_NODES");
  });

  test("a wide fan-out (40 uses per level, 4 levels) is refused too", () => {
    expect(apiError(() => simplifyJsonSchema(wide(40, 4), "response_format.json_schema.schema")).param).toBe(
      "response_format.json_schema.schema",
    );
  });

  test("schemas within the budget still inline fully, and the budget is configurable", () => {
    const small = simplifyJsonSchema(doubling(4), "p") as { properties: { root: { properties: object } } };
    expect(JSON.stringify(small)).not.toContain("$ref");
    expect(Object.keys(small.properties.root.properties)).toEqual(["a", "b"]);
    expect(apiError(() => simplifyJsonSchema(doubling(4), "p", 10)).code).toBe("schema_too_large");
  });

  test("a malformed percent-escape in a $ref is a 400, not a crash", () => {
    const e = apiError(() =>
      simplifyJsonSchema({ type: "object", properties: { x: { $ref: "#/%E0%A4%A" } } }, "tools[0].function.parameters"),
    );
    expect(e.status).toBe(400);
    expect(e.param).toBe("tools[0].function.parameters");
    expect(e.message).toContain("%E0%A4%A");
  });
});

describe("over HTTP (TEST_MODE, every OCI format)", () => {
  const models = testModels({
    "command-a": { id: "cohere.command-a-03-2025", region: "us-chicago-1", compartmentId: COMPARTMENT },
    "command-a-vision": { id: "cohere.command-a-vision", region: "us-chicago-1", compartmentId: COMPARTMENT },
  });
  const { call } = makeTestApp({ models, env: { MAX_SCHEMA_NODES: "5000" } });
  const chat = (model: string, extra: Record<string, unknown>) =>
    call("/v1/chat/completions", {
      method: "POST",
      json: { model, messages: [{ role: "user", content: "hi" }], ...extra },
    });

  for (const model of ["llama", "command-a", "command-a-vision"]) {
    test(`${model}: a doubling tool schema → 400 naming tools[0].function.parameters; /health still answers`, async () => {
      const tools = [{ type: "function", function: { name: "boom", parameters: doubling(22) } }];
      const [r, health] = await Promise.all([chat(model, { tools }), call("/health")]);
      expect(r.status).toBe(400);
      const body = await r.json();
      expect(body.error.param).toBe("tools[0].function.parameters");
      expect(body.error.code).toBe("schema_too_large");
      expect(health.status).toBe(200);
    });

    test(`${model}: a doubling response_format schema → 400 naming it`, async () => {
      const response_format = { type: "json_schema", json_schema: { name: "x", schema: doubling(22) } };
      const r = await chat(model, { response_format });
      expect(r.status).toBe(400);
      expect((await r.json()).error.param).toBe("response_format.json_schema.schema");
    });
  }

  test("MAX_SCHEMA_NODES is the budget: a 700-node schema passes at 5000 and would not at 500", async () => {
    const tools = [{ type: "function", function: { name: "ok", parameters: doubling(8) } }];
    expect((await chat("llama", { tools })).status).toBe(200);
    const strict = makeTestApp({ env: { MAX_SCHEMA_NODES: "500" } });
    const r = await strict.call("/v1/chat/completions", {
      method: "POST",
      json: { model: "llama", messages: [{ role: "user", content: "hi" }], tools },
    });
    expect(r.status).toBe(400);
  });

  test("a bad $ref escape over HTTP → 400 in the OpenAI envelope", async () => {
    const tools = [
      {
        type: "function",
        function: { name: "x", parameters: { type: "object", properties: { a: { $ref: "#/%E0%A4%A" } } } },
      },
    ];
    const r = await chat("llama", { tools });
    expect(r.status).toBe(400);
    expect((await r.json()).error.type).toBe("invalid_request_error");
  });
});
