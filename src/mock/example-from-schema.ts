/**
 * A deterministic value that satisfies a JSON schema (the common subset: type, properties,
 * required, enum, const, items, anyOf/oneOf, min/max). TEST_MODE uses it for tool arguments and
 * json_schema answers, so client code that parses them works offline.
 */
export function exampleFromSchema(schema: unknown, depth = 0): unknown {
  if (depth > 8 || typeof schema !== "object" || schema === null) return null;
  const s = schema as Record<string, unknown>;
  if ("const" in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if ("default" in s) return s.default;
  const alt = (Array.isArray(s.anyOf) && s.anyOf) || (Array.isArray(s.oneOf) && s.oneOf);
  if (alt && alt.length > 0) return exampleFromSchema(alt.find((a) => (a as { type?: string })?.type !== "null") ?? alt[0], depth + 1);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "object":
    case undefined: {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      if (type === undefined && Object.keys(props).length === 0) return {};
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(props)) out[k] = exampleFromSchema(v, depth + 1);
      return out;
    }
    case "array": {
      const min = typeof s.minItems === "number" ? s.minItems : 1;
      return Array.from({ length: Math.max(min, 1) }, () => exampleFromSchema(s.items ?? {}, depth + 1));
    }
    case "string":
      if (s.format === "date-time") return "2024-01-01T00:00:00Z";
      if (s.format === "date") return "2024-01-01";
      if (s.format === "email") return "user@example.com";
      return "x".repeat(Math.max(typeof s.minLength === "number" ? s.minLength : 0, 0)) || "example";
    case "integer":
      return typeof s.minimum === "number" ? Math.ceil(s.minimum) : 1;
    case "number":
      return typeof s.minimum === "number" ? s.minimum : 1.5;
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return null;
  }
}
