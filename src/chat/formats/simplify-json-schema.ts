import { ApiError, badRequest } from "../../errors/api-error";

/**
 * Tool schemas as clients generate them (zod, pydantic) use `$ref`/`$defs`, `allOf` wrappers and
 * `anyOf: [X, {type: "null"}]` for optionals. OCI's model back ends accept plain inline schemas
 * most reliably, so references are inlined (a recursive one is cut where it repeats), single-member
 * `allOf` unwrapped and nullable unions reduced to their non-null member, kept nullable. Pure.
 *
 * Inlining can grow a schema exponentially (a definition that refers twice to the next one, a
 * few dozen levels deep, is a few KB in and billions of nodes out), so the output is budgeted:
 * past `maxNodes` schema nodes the request is refused, naming the parameter, before the work
 * costs more than a few milliseconds (docs/api/README.md#limits).
 */
type Schema = Record<string, unknown>;

/** Longest chain of distinct references followed; only a pathological schema gets near it. */
const MAX_REF_CHAIN = 32;

/** Default output budget: far above any real tool schema (Claude Code's largest are a few hundred). */
export const DEFAULT_MAX_SCHEMA_NODES = 20_000;

export function simplifyJsonSchema(schema: unknown, param: string, maxNodes = DEFAULT_MAX_SCHEMA_NODES): unknown {
  if (!isSchema(schema)) return schema;
  const budget = { left: maxNodes, param, maxNodes };
  return walk(schema, schema, [], budget);
}

interface Budget {
  left: number;
  readonly param: string;
  readonly maxNodes: number;
}

function spend(b: Budget): void {
  if (--b.left < 0) {
    throw new ApiError(
      400,
      `'${b.param}' expands to more than ${b.maxNodes} schema nodes once its $refs are inlined; simplify the schema (MAX_SCHEMA_NODES)`,
      { type: "invalid_request_error", param: b.param, code: "schema_too_large" },
    );
  }
}

function walk(node: unknown, root: Schema, refs: string[], b: Budget): unknown {
  if (Array.isArray(node)) {
    spend(b);
    return node.map((n) => walk(n, root, refs, b));
  }
  if (!isSchema(node)) return node;
  const s: Schema = node;
  if (typeof s.$ref === "string") {
    const ref = s.$ref;
    const target = resolveRef(root, ref, b.param);
    // A recursive type cannot be inlined forever: below the cut it becomes a plain object.
    if (!target || refs.includes(ref) || refs.length >= MAX_REF_CHAIN)
      return { type: "object", ...(typeof s.description === "string" ? { description: s.description } : {}) };
    const { $ref: _drop, ...rest } = s;
    return walk({ ...target, ...rest }, root, [...refs, ref], b);
  }
  if (Array.isArray(s.allOf) && s.allOf.length === 1) {
    const { allOf, ...rest } = s;
    return walk({ ...(allOf[0] as Schema), ...rest }, root, refs, b);
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    const alt = s[key];
    if (Array.isArray(alt)) {
      const nonNull = alt.filter((a) => !(isSchema(a) && a.type === "null"));
      if (nonNull.length === 1 && nonNull.length < alt.length) {
        const { [key]: _x, ...rest } = s;
        return withNull(walk({ ...(nonNull[0] as Schema), ...rest }, root, refs, b));
      }
    }
  }
  spend(b);
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "$defs" || k === "definitions" || k === "$schema" || k === "$id") continue;
    out[k] =
      k === "properties" && isSchema(v)
        ? Object.fromEntries(Object.entries(v).map(([p, ps]) => [p, walk(ps, root, refs, b)]))
        : walk(v, root, refs, b);
  }
  return out;
}

/**
 * The member of a nullable union, still nullable: `type: [X, "null"]` (and null among its enum
 * values), the form OCI's back ends take. Without it a strict schema's optional field (zod's
 * `.nullable()`, pydantic's `Optional`) became required and non-null, and the model had to make a
 * value up. A member with no type of its own stays as it is.
 */
function withNull(s: unknown): unknown {
  if (!isSchema(s) || "const" in s) return s; // a const allows its one value, whatever its type says
  const t = s.type;
  let type: unknown;
  if (typeof t === "string") type = t === "null" ? t : [t, "null"];
  else if (Array.isArray(t)) type = t.includes("null") ? t : [...t, "null"];
  else return s;
  const out: Schema = { ...s, type };
  if (Array.isArray(s.enum) && !s.enum.includes(null)) out.enum = [...s.enum, null];
  return out;
}

/** A local `#/…` JSON pointer; a malformed one is the client's error, named. */
function resolveRef(root: Schema, ref: string, param: string): Schema | undefined {
  if (!ref.startsWith("#")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split("/").filter(Boolean)) {
    if (!isSchema(node)) return undefined;
    node = node[decodePointer(raw, ref, param)];
  }
  return isSchema(node) ? node : undefined;
}

function decodePointer(segment: string, ref: string, param: string): string {
  try {
    return decodeURIComponent(segment).replaceAll("~1", "/").replaceAll("~0", "~");
  } catch {
    throw badRequest(`'${param}' has a $ref with a malformed percent-escape: '${ref}'`, param, "invalid_schema_ref");
  }
}

function isSchema(v: unknown): v is Schema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
