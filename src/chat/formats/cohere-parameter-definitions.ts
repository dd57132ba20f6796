import type { CohereParameterDefinition } from "../../oci/wire";

type Schema = Record<string, unknown>;

const SCALAR: Record<string, string> = {
  string: "str",
  integer: "int",
  number: "float",
  boolean: "bool",
  object: "Dict",
  null: "None",
};

/**
 * JSON schema of a function's parameters → Cohere v1 `parameterDefinitions` (Python-style type
 * names, required flags). What Cohere's form cannot express — enums, formats, nested shapes,
 * bounds — is kept by appending it to the description, so the model still sees it.
 */
export function toCohereParameterDefinitions(schema: unknown): Record<string, CohereParameterDefinition> {
  const s = isSchema(schema) ? schema : {};
  const props = isSchema(s.properties) ? s.properties : {};
  const required = new Set(Array.isArray(s.required) ? s.required.map(String) : []);
  const out: Record<string, CohereParameterDefinition> = {};
  for (const [name, raw] of Object.entries(props)) {
    const p = isSchema(raw) ? raw : {};
    const { type, exact } = cohereType(p);
    const notes: string[] = [];
    if (Array.isArray(p.enum)) notes.push(`One of: ${p.enum.map((e) => JSON.stringify(e)).join(", ")}.`);
    if (typeof p.format === "string") notes.push(`Format: ${p.format}.`);
    for (const b of ["minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "pattern"]) {
      if (p[b] !== undefined) notes.push(`${b}: ${JSON.stringify(p[b])}.`);
    }
    if (!exact) notes.push(`JSON schema: ${JSON.stringify(stripDescription(p))}`);
    const description = [typeof p.description === "string" ? p.description : "", ...notes].filter(Boolean).join(" ");
    out[name] = { type, isRequired: required.has(name), ...(description ? { description } : {}) };
  }
  return out;
}

function cohereType(p: Schema): { type: string; exact: boolean } {
  // `["integer", "null"]` (an optional in OpenAI strict mode or pydantic) is an integer to Cohere.
  const listed = Array.isArray(p.type) ? p.type.filter((x) => x !== "null") : undefined;
  const t = listed ? (listed.length === 1 ? listed[0] : listed) : p.type;
  if (typeof t === "string" && t in SCALAR) {
    if (t === "object")
      return { type: "Dict", exact: !isSchema(p.properties) || Object.keys(p.properties).length === 0 };
    return { type: SCALAR[t]!, exact: true };
  }
  if (t === "array") {
    const items = isSchema(p.items) ? p.items : {};
    // `["string", "null"]` (a nullable item) is a string item to Cohere, as for parameters.
    const listed = Array.isArray(items.type) ? items.type.filter((x) => x !== "null") : undefined;
    const itemType = listed ? (listed.length === 1 ? listed[0] : undefined) : items.type;
    const inner =
      typeof itemType === "string" && itemType !== "object" && itemType !== "array" ? SCALAR[itemType] : undefined;
    return inner ? { type: `List[${inner}]`, exact: true } : { type: "List", exact: false };
  }
  // Unions, untyped or multi-typed values: a string carrying JSON is the closest Cohere can say.
  return { type: "str", exact: false };
}

function stripDescription(p: Schema): Schema {
  const { description: _d, ...rest } = p;
  return rest;
}

function isSchema(v: unknown): v is Schema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
