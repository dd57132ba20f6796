/**
 * A deterministic value that satisfies a JSON schema (the common subset: type, properties,
 * enum, const, items, anyOf/oneOf/allOf, $ref into $defs/definitions, numeric and length
 * bounds). TEST_MODE uses it for tool arguments and json_schema answers, so client code that
 * parses them works offline.
 */
type Schema = Record<string, unknown>;

/**
 * What one example may cost, whatever the client's schema asks (`minItems: 100000000`, arrays
 * of arrays): the mock answers many clients from one event loop. Past these, the example is
 * smaller than the schema wants — an answer TEST_MODE gives at once instead of not at all.
 */
const MAX_ITEMS = 64;
const MAX_STRING = 4096;
const MAX_VALUES = 10_000;

export function exampleFromSchema(schema: unknown, root: unknown = schema): unknown {
  return example(schema, root, 0, { left: MAX_VALUES });
}

function example(schema: unknown, root: unknown, depth: number, budget: { left: number }): unknown {
  if (depth > 12 || typeof schema !== "object" || schema === null || budget.left-- <= 0) return null;
  let s = schema as Schema;
  if (typeof s.$ref === "string") {
    const target = resolveRef(root, s.$ref);
    if (target === undefined) return null;
    s = { ...target, ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== "$ref")) };
  }
  if ("const" in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if ("default" in s) return s.default;
  if (Array.isArray(s.allOf) && s.allOf.length > 0) {
    const merged: Schema = {};
    for (const part of s.allOf as Schema[]) mergeInto(merged, resolveIfRef(root, part));
    return example({ ...merged, ...withoutKeys(s, ["allOf"]) }, root, depth + 1, budget);
  }
  const alt = (Array.isArray(s.anyOf) && s.anyOf) || (Array.isArray(s.oneOf) && s.oneOf);
  if (alt && alt.length > 0) {
    const pick = (alt as Schema[]).find((a) => a?.type !== "null") ?? alt[0];
    return example(pick, root, depth + 1, budget);
  }
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "object":
    case undefined: {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      if (type === undefined && Object.keys(props).length === 0)
        return s.items ? example({ ...s, type: "array" }, root, depth + 1, budget) : {};
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(props)) out[k] = example(v, root, depth + 1, budget);
      return out;
    }
    case "array": {
      const min = typeof s.minItems === "number" ? s.minItems : 1;
      const max = typeof s.maxItems === "number" ? s.maxItems : Infinity;
      const length = Math.min(Math.max(min, 1), max, MAX_ITEMS);
      const out: unknown[] = [];
      while (out.length < length && budget.left > 0) out.push(example(s.items ?? {}, root, depth + 1, budget));
      return out;
    }
    case "string":
      return exampleString(s);
    case "integer":
      return exampleNumber(s, true);
    case "number":
      return exampleNumber(s, false);
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return null;
  }
}

function exampleString(s: Schema): string {
  if (s.format === "date-time") return "2024-01-01T00:00:00Z";
  if (s.format === "date") return "2024-01-01";
  if (s.format === "email") return "user@example.com";
  if (s.format === "uri" || s.format === "url") return "https://example.com";
  if (s.format === "uuid") return "00000000-0000-4000-8000-000000000000";
  const min = typeof s.minLength === "number" ? s.minLength : 0;
  const max = typeof s.maxLength === "number" ? s.maxLength : Infinity;
  return min > 0 ? "x".repeat(Math.min(min, MAX_STRING)) : "example".slice(0, Math.min(7, max));
}

/**
 * The value nearest 1 that every bound allows. A "number" gets a whole value too when its
 * bounds allow one: clients declare counts as "number" (Codex's usize arguments do) and parse
 * them as integers; the half step only appears when the bounds leave no whole value.
 */
function exampleNumber(s: Schema, integer: boolean): number {
  const num = (k: string) => (typeof s[k] === "number" ? (s[k] as number) : undefined);
  const step = integer ? 1 : 0.5;
  let lo = num("minimum") ?? -Infinity;
  let hi = num("maximum") ?? Infinity;
  const xlo = num("exclusiveMinimum");
  const xhi = num("exclusiveMaximum");
  if (xlo !== undefined)
    lo = Math.max(lo, integer ? Math.floor(xlo) + 1 : xlo + Math.min(step, (hi - xlo) / 2 || step));
  if (xhi !== undefined) hi = Math.min(hi, integer ? Math.ceil(xhi) - 1 : xhi - Math.min(step, (xhi - lo) / 2 || step));
  if (integer) {
    lo = Math.ceil(lo);
    hi = Math.floor(hi);
  }
  return Math.min(Math.max(1, lo), hi);
}

function resolveRef(root: unknown, ref: string): Schema | undefined {
  if (!ref.startsWith("#")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split("/").filter(Boolean)) {
    const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Schema)[key];
  }
  return typeof node === "object" && node !== null ? (node as Schema) : undefined;
}

function resolveIfRef(root: unknown, s: Schema): Schema {
  return typeof s?.$ref === "string" ? (resolveRef(root, s.$ref) ?? {}) : s;
}

function mergeInto(target: Schema, part: Schema): void {
  for (const [k, v] of Object.entries(part ?? {})) {
    if (k === "properties" && typeof v === "object" && v !== null)
      target.properties = { ...(target.properties as Schema | undefined), ...(v as Schema) };
    else if (k === "required" && Array.isArray(v))
      target.required = [...((target.required as string[] | undefined) ?? []), ...v];
    else target[k] = v;
  }
}

function withoutKeys(s: Schema, keys: string[]): Schema {
  return Object.fromEntries(Object.entries(s).filter(([k]) => !keys.includes(k)));
}
