/**
 * A small JSON Schema checker for the unit tests (the subset TEST_MODE promises to satisfy:
 * type, properties, required, additionalProperties:false, enum, const, items, min/maxItems,
 * min/maxLength, minimum/maximum, exclusiveMinimum/Maximum, anyOf/oneOf, local $ref).
 * Returns the list of violations; empty means valid.
 */
type S = Record<string, unknown>;

export function schemaErrors(schema: unknown, value: unknown, root: unknown = schema, path = "$"): string[] {
  if (schema === true || schema === undefined) return [];
  if (schema === false) return [`${path}: schema false`];
  if (typeof schema !== "object" || schema === null) return [];
  const s = schema as S;
  if (typeof s.$ref === "string") {
    const target = resolveRef(root, s.$ref);
    if (target === undefined) return [`${path}: unresolvable $ref ${s.$ref}`];
    return schemaErrors(target, value, root, path);
  }
  const errs: string[] = [];
  if ("const" in s && JSON.stringify(s.const) !== JSON.stringify(value))
    errs.push(`${path}: not const ${JSON.stringify(s.const)}`);
  if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value)))
    errs.push(`${path}: not in enum`);
  for (const key of ["anyOf", "oneOf"] as const) {
    const alts = s[key];
    if (Array.isArray(alts)) {
      const ok = alts.filter((a) => schemaErrors(a, value, root, path).length === 0).length;
      if (key === "anyOf" ? ok === 0 : ok !== 1) errs.push(`${path}: ${key} matched ${ok}`);
    }
  }
  if (Array.isArray(s.allOf)) for (const a of s.allOf) errs.push(...schemaErrors(a, value, root, path));
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => hasType(value, t)))
      errs.push(`${path}: expected ${types.join("|")}, got ${JSON.stringify(value)}`);
  }
  if (typeof value === "number") {
    if (typeof s.minimum === "number" && value < s.minimum) errs.push(`${path}: < minimum ${s.minimum}`);
    if (typeof s.maximum === "number" && value > s.maximum) errs.push(`${path}: > maximum ${s.maximum}`);
    if (typeof s.exclusiveMinimum === "number" && value <= s.exclusiveMinimum)
      errs.push(`${path}: <= exclusiveMinimum`);
    if (typeof s.exclusiveMaximum === "number" && value >= s.exclusiveMaximum)
      errs.push(`${path}: >= exclusiveMaximum`);
  }
  if (typeof value === "string") {
    const len = [...value].length;
    if (typeof s.minLength === "number" && len < s.minLength) errs.push(`${path}: shorter than ${s.minLength}`);
    if (typeof s.maxLength === "number" && len > s.maxLength) errs.push(`${path}: longer than ${s.maxLength}`);
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === "number" && value.length < s.minItems)
      errs.push(`${path}: fewer than ${s.minItems} items`);
    if (typeof s.maxItems === "number" && value.length > s.maxItems)
      errs.push(`${path}: more than ${s.maxItems} items`);
    if (s.items !== undefined)
      value.forEach((v, i) => {
        errs.push(...schemaErrors(s.items, v, root, `${path}[${i}]`));
      });
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const obj = value as S;
    const props = (s.properties ?? {}) as S;
    for (const r of (s.required as string[] | undefined) ?? [])
      if (!(r in obj)) errs.push(`${path}: missing required '${r}'`);
    for (const [k, v] of Object.entries(obj)) {
      if (k in props) errs.push(...schemaErrors(props[k], v, root, `${path}.${k}`));
      else if (s.additionalProperties === false) errs.push(`${path}: additional property '${k}'`);
      else if (typeof s.additionalProperties === "object")
        errs.push(...schemaErrors(s.additionalProperties, v, root, `${path}.${k}`));
    }
  }
  return errs;
}

function hasType(v: unknown, t: string): boolean {
  switch (t) {
    case "object":
      return typeof v === "object" && v !== null && !Array.isArray(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "boolean":
      return typeof v === "boolean";
    case "null":
      return v === null;
    default:
      return true;
  }
}

function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith("#")) return undefined;
  const parts = ref
    .slice(1)
    .split("/")
    .filter(Boolean)
    .map((p) => decodeURIComponent(p).replace(/~1/g, "/").replace(/~0/g, "~"));
  let cur: unknown = root;
  for (const p of parts) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as S)[p];
  }
  return cur;
}
