/**
 * Tool schemas as clients generate them (zod, pydantic) use `$ref`/`$defs`, `allOf` wrappers and
 * `anyOf: [X, {type: "null"}]` for optionals. OCI's model back ends accept plain inline schemas
 * most reliably, so references are inlined (recursion cut after a few levels), single-member
 * `allOf` unwrapped and nullable unions reduced to their non-null member. Pure.
 */
type Schema = Record<string, unknown>;

const MAX_DEPTH = 8;

export function simplifyJsonSchema(schema: unknown): unknown {
  if (!isSchema(schema)) return schema;
  return walk(schema, schema, 0, []);
}

function walk(node: unknown, root: Schema, depth: number, refs: string[]): unknown {
  if (Array.isArray(node)) return node.map((n) => walk(n, root, depth, refs));
  if (!isSchema(node)) return node;
  let s: Schema = node;
  if (typeof s.$ref === "string") {
    const ref = s.$ref;
    const target = resolveRef(root, ref);
    // A recursive type cannot be inlined forever: below the cut it becomes a plain object.
    if (!target || refs.includes(ref) || depth > MAX_DEPTH) return { type: "object", ...(typeof s.description === "string" ? { description: s.description } : {}) };
    const { $ref: _drop, ...rest } = s;
    return walk({ ...target, ...rest }, root, depth + 1, [...refs, ref]);
  }
  if (Array.isArray(s.allOf) && s.allOf.length === 1) {
    const { allOf, ...rest } = s;
    return walk({ ...(allOf[0] as Schema), ...rest }, root, depth + 1, refs);
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    const alt = s[key];
    if (Array.isArray(alt)) {
      const nonNull = alt.filter((a) => !(isSchema(a) && a.type === "null"));
      if (nonNull.length === 1 && nonNull.length < alt.length) {
        const { [key]: _x, ...rest } = s;
        return walk({ ...(nonNull[0] as Schema), ...rest }, root, depth + 1, refs);
      }
    }
  }
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "$defs" || k === "definitions" || k === "$schema" || k === "$id") continue;
    out[k] = k === "properties" && isSchema(v) ? Object.fromEntries(Object.entries(v).map(([p, ps]) => [p, walk(ps, root, depth + 1, refs)])) : walk(v, root, depth + 1, refs);
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
