/** A tool type as the header names it; anything else a client made up is not echoed. */
const TOOL_TYPE = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_NAMED = 16;

/**
 * The `x-ocigenai-ignored-tools` header: the types of the tools left out, as far as they are
 * names. A client's type is its own text: one with a line break made the answer impossible to
 * send after OCI had been paid for it (the request then never ended: its lease held, its tokens
 * uncharged).
 */
export function ignoredToolsHeader(types: readonly string[]): string {
  const named = [...new Set(types.map((t) => (TOOL_TYPE.test(t) ? t : "(unnamed)")))];
  return named.length > MAX_NAMED ? `${named.slice(0, MAX_NAMED).join(", ")}, …` : named.join(", ");
}
