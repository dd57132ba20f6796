import type { ResponseFormat } from "../types";
import { ociResponseFormat } from "./oci-response-format";
import { simplifyJsonSchema } from "./simplify-json-schema";

/** Both Cohere formats have no JSON_SCHEMA type: a schema rides on JSON_OBJECT. */
export function cohereResponseFormat(f: ResponseFormat, maxSchemaNodes: number) {
  return ociResponseFormat(f, (s) => ({
    type: "JSON_OBJECT" as const,
    schema: simplifyJsonSchema(s.schema ?? {}, "response_format.json_schema.schema", maxSchemaNodes),
  }));
}
