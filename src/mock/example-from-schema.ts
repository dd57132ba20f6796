import { exampleFromPattern } from "./example-from-pattern";

/**
 * A deterministic value that satisfies a JSON schema (the common subset: type, properties,
 * enum, const, items and prefixItems, uniqueItems, anyOf/oneOf/allOf, $ref into
 * $defs/definitions, numeric bounds and multipleOf, length bounds, pattern, the usual formats,
 * minProperties). TEST_MODE uses it for tool arguments and json_schema answers, so client code
 * that parses them works offline.
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
        return s.items || s.prefixItems ? example({ ...s, type: "array" }, root, depth + 1, budget) : {};
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(props)) out[k] = example(v, root, depth + 1, budget);
      // A map (`additionalProperties: {schema}`) that must hold some entries gets them.
      const more = isSchema(s.additionalProperties) ? s.additionalProperties : {};
      // Only where other properties are allowed: `additionalProperties: false` forbids made-up keys.
      const minProps =
        typeof s.minProperties === "number" && s.additionalProperties !== false
          ? Math.min(s.minProperties, MAX_ITEMS)
          : 0;
      for (let i = 1; Object.keys(out).length < minProps && budget.left > 0; i++)
        if (!(`key${i}` in out)) out[`key${i}`] = example(more, root, depth + 1, budget);
      return out;
    }
    case "array":
      return exampleArray(s, root, depth, budget);
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

/**
 * An array as long as `minItems` asks (one item when it says nothing), `prefixItems` first, its
 * items different from each other when `uniqueItems` says so. Items that are bare objects are
 * where the gateway cut a recursive type when it simplified the schema for OCI (chat/formats/
 * simplify-json-schema.ts): the client's own type is unknown there, so such an array is empty
 * when it may be.
 */
function exampleArray(s: Schema, root: unknown, depth: number, budget: { left: number }): unknown[] {
  const prefix = Array.isArray(s.prefixItems) ? (s.prefixItems as unknown[]) : [];
  const items = s.items === false ? undefined : isSchema(s.items) ? s.items : {};
  const cut = items !== undefined && isBareObject(items);
  const min = typeof s.minItems === "number" ? s.minItems : prefix.length || (cut ? 0 : 1);
  const max = Math.min(typeof s.maxItems === "number" ? s.maxItems : Infinity, items ? Infinity : prefix.length);
  const length = Math.min(Math.max(min, prefix.length), max, MAX_ITEMS);
  const out: unknown[] = [];
  const seen = new Set<string>();
  while (out.length < length && budget.left > 0) {
    const i = out.length;
    const of = i < prefix.length ? prefix[i] : items;
    let value = example(of, root, depth + 1, budget);
    if (s.uniqueItems === true) {
      // The n-th variant of the item's schema until one is new (an enum's n-th value, …).
      for (let v = 1; seen.has(JSON.stringify(value)) && v <= MAX_ITEMS; v++) value = variant(of, root, v, value);
      if (seen.has(JSON.stringify(value))) break;
      seen.add(JSON.stringify(value));
    }
    out.push(value);
  }
  return out;
}

/** The `n`-th other value a schema allows, as near its example as may be. */
function variant(schema: unknown, root: unknown, n: number, value: unknown): unknown {
  let s = isSchema(schema) ? schema : {};
  if (typeof s.$ref === "string") s = { ...resolveRef(root, s.$ref), ...s };
  if (Array.isArray(s.enum)) return s.enum[n % s.enum.length];
  if (typeof value === "number") {
    const step = typeof s.multipleOf === "number" ? s.multipleOf : 1;
    const up = value + n * step;
    const down = value - n * step;
    if (typeof s.maximum !== "number" || up <= s.maximum) return up;
    return typeof s.minimum === "number" && down < s.minimum ? value : down;
  }
  if (typeof value === "string" && s.pattern === undefined && s.format === undefined) {
    const max = typeof s.maxLength === "number" ? s.maxLength : Infinity;
    const next = `${value}${n}`;
    return next.length <= max ? next : `${value.slice(0, Math.max(0, max - String(n).length))}${n}`;
  }
  if (typeof value === "boolean") return n % 2 === 1 ? !value : value;
  return value;
}

const isSchema = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

/** `{type: "object"}` and nothing that says what is in it. */
const isBareObject = (s: Schema) =>
  s.type === "object" &&
  !isSchema(s.properties) &&
  s.additionalProperties === undefined &&
  s.$ref === undefined &&
  s.required === undefined;

const FORMATS: Record<string, string> = {
  "date-time": "2024-01-01T00:00:00Z",
  date: "2024-01-01",
  time: "00:00:00Z",
  duration: "P1D",
  email: "user@example.com",
  "idn-email": "user@example.com",
  uri: "https://example.com",
  url: "https://example.com",
  "uri-reference": "https://example.com",
  iri: "https://example.com",
  hostname: "example.com",
  "idn-hostname": "example.com",
  ipv4: "192.0.2.1",
  ipv6: "2001:db8::1",
  uuid: "00000000-0000-4000-8000-000000000000",
};

function exampleString(s: Schema): string {
  const known = typeof s.format === "string" ? FORMATS[s.format] : undefined;
  if (known) return known;
  const min = typeof s.minLength === "number" ? s.minLength : 0;
  const max = typeof s.maxLength === "number" ? s.maxLength : Infinity;
  if (typeof s.pattern === "string") {
    const fits = exampleFromPattern(s.pattern);
    if (fits !== undefined && fits.length >= min && fits.length <= max) return fits;
  }
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
  const near = Math.min(Math.max(1, lo), hi);
  const of = num("multipleOf");
  if (of === undefined || of <= 0) return near;
  // The multiple nearest that value within the bounds (0 is a multiple of everything).
  const up = Math.ceil(near / of) * of;
  if (up <= hi && up >= lo) return up;
  const down = Math.floor(near / of) * of;
  return down >= lo ? down : near;
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
