import { t } from "elysia";

const recordSchema = () => t.Record(t.String(), t.Unknown());

/**
 * A JSON object whose members are checked elsewhere (a tool's JSON schema, a Responses input
 * item). Written as an object with `additionalProperties: unknown` rather than `t.Record`: the
 * request cleaner (`normalize: "typebox"`) builds a RegExp for every record it visits, which made
 * cleaning a 40-item Responses input ~50 µs instead of ~6 (docs/architecture.md#request-schemas).
 * Typed as the record it validates like, so handlers read it as `Record<string, unknown>`.
 */
export const OpenObject = () =>
  t.Object({}, { additionalProperties: t.Unknown() }) as unknown as ReturnType<typeof recordSchema>;
