import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { ValidationError } from "elysia";
import { type ApiError, badRequest } from "./api-error";

/** TypeBox paths (`/messages/0/content`) → OpenAI-style param names (`messages[0].content`). */
export function paramFromPath(path: string): string | null {
  // JSON-pointer escapes: ~1 is '/', ~0 is '~'.
  const parts = path
    .split("/")
    .filter(Boolean)
    .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
  if (parts.length === 0) return null;
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), "");
}

type SchemaLike = {
  type?: string;
  const?: unknown;
  anyOf?: SchemaLike[];
  minimum?: number;
  maximum?: number;
  format?: string;
  multipleOf?: number;
};

/**
 * TypeBox reports any union as "Expected union value", and an integer field (a number that is a
 * multiple of 1) as "Expected number to be a multiple of 1". Say what was expected instead: the
 * literals allowed, or the type and its bounds.
 */
export function describeExpected(schema: SchemaLike | undefined): string | undefined {
  if (schema?.type === "number" && schema.multipleOf === 1) return describeNumber({ ...schema, type: "integer" });
  const members = schema?.anyOf;
  if (!members?.length) return undefined;
  const flat = (ms: SchemaLike[]): SchemaLike[] => ms.flatMap((m) => (m.anyOf ? flat(m.anyOf) : [m]));
  const all = flat(members);
  if (all.every((m) => m.const !== undefined || m.type === "null")) {
    const literals = all.filter((m) => m.const !== undefined).map((m) => String(m.const));
    const orNull = literals.length < all.length ? " (or null)" : "";
    return `expected one of ${literals.join(", ")}${orNull}`;
  }
  const numeric = members.find((m) => m.type === "integer" || m.type === "number");
  if (
    numeric &&
    members.every((m) => m === numeric || m.format === "integer" || m.format === "numeric" || m.type === numeric.type)
  )
    return describeNumber(numeric);
  const kinds = [
    ...new Set(
      all.map((m) =>
        m.const !== undefined ? JSON.stringify(m.const) : m.type === "null" ? "null" : (m.type ?? "a value"),
      ),
    ),
  ];
  return `expected ${kinds.join(" or ")}`;
}

function describeNumber(s: SchemaLike): string {
  const bounds = [s.minimum !== undefined && `≥ ${s.minimum}`, s.maximum !== undefined && `≤ ${s.maximum}`].filter(
    Boolean,
  );
  return `expected ${s.type === "integer" ? "an integer" : "a number"}${bounds.length ? ` ${bounds.join(" and ")}` : ""}`;
}

type Failure = { path?: string; message?: string; value?: unknown; schema?: SchemaLike & { error?: unknown } };

/**
 * A union the value fails (every nullable field is `X | null`): when one member is of the value's
 * kind — a number for `number | null`, an object whose `type` picks one member — the value failed
 * that member, so the failure inside it is the one to report: `temperature` "expected a number
 * ≤ 2", not "expected number or null"; `reasoning.effort`, not `reasoning`. Not where the union
 * carries its own `error` message.
 */
function narrowed(f: Failure, depth = 0): Failure {
  const members = f.schema?.anyOf;
  // A union with its own message says what it expects as a whole: that message is the answer.
  if (!members || f.value === undefined || depth > 8 || typeof f.schema?.error === "string") return f;
  let fits = members.filter((m) => ofKind(m, f.value));
  if (fits.length > 1 && isRec(f.value)) fits = fits.filter((m) => picks(m, f.value as Record<string, unknown>));
  if (fits.length !== 1) return f;
  const inner = Value.Errors(fits[0] as TSchema, f.value).First();
  if (!inner) return f;
  return narrowed({ ...inner, path: `${f.path ?? ""}${inner.path}` } as Failure, depth + 1);
}

function ofKind(m: SchemaLike, v: unknown): boolean {
  if (m.anyOf) return m.anyOf.some((x) => ofKind(x, v));
  if (m.const !== undefined) return false; // a literal the value is not: nothing inside to report
  switch (m.type) {
    case "null":
      return v === null;
    case "number":
    case "integer":
      return typeof v === "number";
    case "string":
      return typeof v === "string";
    case "boolean":
      return typeof v === "boolean";
    case "array":
      return Array.isArray(v);
    case "object":
      return isRec(v);
    default:
      return false;
  }
}

/** Whether an object member's `type` literal (a discriminator) is the value's. */
function picks(m: SchemaLike & { properties?: Record<string, SchemaLike> }, v: Record<string, unknown>): boolean {
  const tag = m.properties?.type?.const;
  return tag === undefined || tag === v.type;
}

const isRec = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Elysia's validation error → a 400 that names the parameter the way OpenAI does. */
export function fromValidation(error: ValidationError): ApiError {
  const raw = error.all?.[0] as Failure | undefined;
  if (error.type === "params") return badRequest(`Invalid path: ${raw?.message ?? "bad value"}`, null, "invalid_path");
  const first = raw && narrowed(raw);
  const better =
    typeof first?.schema?.error === "string"
      ? first.schema.error
      : first?.message === "Expected union value" || first?.schema?.anyOf || first?.schema?.multipleOf === 1
        ? describeExpected(first?.schema)
        : (first?.schema?.type === "number" || first?.schema?.type === "integer") && typeof first.value === "number"
          ? describeNumber(first.schema)
          : first?.value !== undefined && isStructure(first?.schema?.type) && !ofKind(first.schema!, first.value)
            ? `expected ${first!.schema!.type === "array" ? "an array" : "an object"}, got ${describeValue(first!.value)}`
            : undefined;
  if (first && better) first.message = better;
  const param = first?.path ? paramFromPath(first.path) : null;
  if (first?.path && first.value === undefined && /required|expected/i.test(first.message ?? "")) {
    return badRequest(`Missing required parameter '${param}'`, param, "missing_required_parameter");
  }
  if (!first?.path) return badRequest(`Request body must be a JSON object: ${first?.message ?? "invalid"}`, null);
  return badRequest(
    `Invalid value for '${param}': ${first.message ?? "does not match the schema"}`,
    param,
    "invalid_value",
  );
}

const isStructure = (type: unknown) => type === "array" || type === "object";

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : typeof v === "string" ? "a string" : `a ${typeof v}`;
}
