/**
 * Tool schemas as clients generate them (zod, pydantic) use `$ref`/`$defs`, `allOf` wrappers and
 * `anyOf: [X, {type: "null"}]` for optionals. OCI's model back ends accept plain inline schemas
 * most reliably, so references are inlined (a recursive one is cut where it repeats), single-member
 * `allOf` unwrapped and nullable unions reduced to their non-null member. Pure.
 */
type Schema = Record<string, unknown>;

/** Longest chain of distinct references followed; only a pathological schema gets near it. */
const MAX_REF_CHAIN = 32;

export function simplifyJsonSchema(schema: unknown): unknown {
  if (!isSchema(schema)) return schema;
  return walk(schema, schema, []);
}

function walk(node: unknown, root: Schema, refs: string[]): unknown {
  if (Array.isArray(node)) return node.map((n) => walk(n, root, refs));
  if (!isSchema(node)) return node;
  const s: Schema = node;
  if (typeof s.$ref === "string") {
    const ref = s.$ref;
    const target = resolveRef(root, ref);
    // A recursive type cannot be inlined forever: below the cut it becomes a plain object.
    if (!target || refs.includes(ref) || refs.length >= MAX_REF_CHAIN)
      return { type: "object", ...(typeof s.description === "string" ? { description: s.description } : {}) };
    const { $ref: _drop, ...rest } = s;
    return walk({ ...target, ...rest }, root, [...refs, ref]);
  }
  if (Array.isArray(s.allOf) && s.allOf.length === 1) {
    const { allOf, ...rest } = s;
    return walk({ ...(allOf[0] as Schema), ...rest }, root, refs);
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    const alt = s[key];
    if (Array.isArray(alt)) {
      const nonNull = alt.filter((a) => !(isSchema(a) && a.type === "null"));
      if (nonNull.length === 1 && nonNull.length < alt.length) {
        const { [key]: _x, ...rest } = s;
        return walk({ ...(nonNull[0] as Schema), ...rest }, root, refs);
      }
    }
  }
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "$defs" || k === "definitions" || k === "$schema" || k === "$id") continue;
    out[k] =
      k === "properties" && isSchema(v)
        ? Object.fromEntries(Object.entries(v).map(([p, ps]) => [p, walk(ps, root, refs)]))
        : walk(v, root, refs);
  }
  return out;
}

function resolveRef(root: Schema, ref: string): Schema | undefined {
  if (!ref.startsWith("#")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split("/").filter(Boolean)) {
    if (!isSchema(node)) return undefined;
    node = node[decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~")];
  }
  return isSchema(node) ? node : undefined;
}

function isSchema(v: unknown): v is Schema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
