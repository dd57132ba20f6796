import { t } from "elysia";

/**
 * An integer field that refuses numeric strings. Elysia's `t.Integer` quietly turns `"10"` into
 * 10; a wrongly typed value must be a 400 naming the parameter instead (docs/api/openai.md#request-fields).
 */
export const Int = (opts: { minimum?: number; maximum?: number } = {}) => t.Number({ ...opts, multipleOf: 1 });
