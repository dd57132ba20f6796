import type { ResponseFormat } from "../types";

type JsonSchemaFormat = Extract<ResponseFormat, { type: "json_schema" }>["json_schema"];

/**
 * OpenAI `response_format` → OCI's. The OCI formats name text and free JSON alike and differ only
 * in how they carry a schema.
 */
export function ociResponseFormat<T>(
  f: ResponseFormat,
  withSchema: (schema: JsonSchemaFormat) => T,
): { type: "TEXT" } | { type: "JSON_OBJECT" } | T {
  if (f.type === "text") return { type: "TEXT" };
  if (f.type === "json_object") return { type: "JSON_OBJECT" };
  return withSchema(f.json_schema);
}
