import type { FunctionTool } from "../types";
import { simplifyJsonSchema } from "./simplify-json-schema";

/** A tool without parameters takes none; OCI wants that said as an empty object schema. */
const NO_PARAMETERS = { type: "object", properties: {} };

/** `tools[i]`'s parameter schema as every OCI format sends it: simplified within the schema budget. */
export function toolParameters(tool: FunctionTool, i: number, maxSchemaNodes: number): unknown {
  return simplifyJsonSchema(
    tool.function.parameters ?? NO_PARAMETERS,
    `tools[${i}].function.parameters`,
    maxSchemaNodes,
  );
}
