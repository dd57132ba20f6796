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
  if (members.every((m) => m.const !== undefined))
    return `expected one of ${members.map((m) => String(m.const)).join(", ")}`;
  const numeric = members.find((m) => m.type === "integer" || m.type === "number");
  if (
    numeric &&
    members.every((m) => m === numeric || m.format === "integer" || m.format === "numeric" || m.type === numeric.type)
  )
    return describeNumber(numeric);
  const flat = (ms: SchemaLike[]): SchemaLike[] => ms.flatMap((m) => (m.anyOf ? flat(m.anyOf) : [m]));
  const kinds = [
    ...new Set(
      flat(members).map((m) =>
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

/** Elysia's validation error → a 400 that names the parameter the way OpenAI does. */
export function fromValidation(error: ValidationError): ApiError {
  const first = error.all?.[0] as
    | { path?: string; message?: string; value?: unknown; schema?: SchemaLike & { error?: unknown } }
    | undefined;
  if (error.type === "params") return badRequest(`Invalid path: ${first?.message ?? "bad value"}`, null);
  const better =
    typeof first?.schema?.error === "string"
      ? first.schema.error
      : first?.message === "Expected union value" || first?.schema?.anyOf || first?.schema?.multipleOf === 1
        ? describeExpected(first?.schema)
        : first?.value !== undefined && isStructure(first?.schema?.type)
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
