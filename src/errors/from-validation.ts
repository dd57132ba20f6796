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
export function fromValidation(error: ValidationError, body?: unknown): ApiError {
  const first = error.all?.[0] as
    | { path?: string; message?: string; value?: unknown; schema?: SchemaLike & { error?: unknown } }
    | undefined;
  if (error.type === "params") return badRequest(`Invalid path: ${first?.message ?? "bad value"}`, null);
  // A primitive where an object or array was expected is reported where it stands. Elysia's
  // coercion turns `messages: "hi"` into an array of empty objects before validating, which would
  // name `messages[0].role`; `body` is the JSON as the client sent it.
  const misplaced = first?.path && body !== undefined ? primitiveOnPath(body, first.path) : undefined;
  if (misplaced) {
    const param = paramFromPath(misplaced.path);
    return badRequest(
      `Invalid value for '${param}': expected ${misplaced.expects}, got ${describeValue(misplaced.value)}`,
      param,
      "invalid_value",
    );
  }
  const better =
    typeof first?.schema?.error === "string"
      ? first.schema.error
      : first?.message === "Expected union value" || first?.schema?.anyOf || first?.schema?.multipleOf === 1
        ? describeExpected(first?.schema)
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

/** The first place on `path` where the body holds a primitive although the path goes deeper. */
function primitiveOnPath(
  body: unknown,
  path: string,
): { path: string; value: unknown; expects: "an array" | "an object" } | undefined {
  const parts = path.split("/").filter(Boolean);
  let node = body;
  for (let i = 0; i < parts.length; i++) {
    if (typeof node !== "object" || node === null) {
      if (i === 0 || node === undefined) return undefined;
      return {
        path: `/${parts.slice(0, i).join("/")}`,
        value: node,
        expects: /^\d+$/.test(parts[i]!) ? "an array" : "an object",
      };
    }
    node = (node as Record<string, unknown>)[parts[i]!.replaceAll("~1", "/").replaceAll("~0", "~")];
  }
  return undefined;
}

function describeValue(v: unknown): string {
  return v === null ? "null" : typeof v === "string" ? "a string" : `a ${typeof v}`;
}
