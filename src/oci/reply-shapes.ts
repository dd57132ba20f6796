import { UpstreamError } from "../errors/upstream-error";

/**
 * Small readers for what OCI sends back. OCI adds fields over time, so unknown fields are ignored;
 * a missing or mistyped field we rely on is a typed 502, never a crash deeper in.
 */
export type Rec = Record<string, unknown>;

export function isRec(v: unknown): v is Rec {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function expectRec(v: unknown, what: string): Rec {
  if (!isRec(v)) throw new UpstreamError("bad_response", `${what} is not an object`);
  return v;
}

export function optArray(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new UpstreamError("bad_response", `${what} is not an array`);
  return v;
}

export function optString(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function optNumber(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** Concatenated text of OCI content parts (TEXT only; other part types carry no text). */
export function textOfParts(parts: unknown, what: string): string | undefined {
  const list = optArray(parts, what);
  let text: string | undefined;
  for (const p of list) {
    if (isRec(p) && p.type === "TEXT" && typeof p.text === "string") text = (text ?? "") + p.text;
  }
  return text;
}
