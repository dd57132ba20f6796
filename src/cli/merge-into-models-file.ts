import { compileGlob, isGlob } from "../config/compile-glob";
import { jsonValuePosition } from "../config/json-error-position";
import { parseModels } from "../config/models";
import { formatProblem } from "../config/types";
import type { DiscoveredEntry } from "./discovered-entries";

/**
 * `discover --write` (docs/discovery.md#write): which discovered aliases join llm_models.json and
 * the file's new text. Existing aliases are never changed; the new ones go at the end of the
 * aliases object as text, so the rest of the file keeps its bytes (order, spacing, `_` comments).
 * Pure: the caller reads and writes the file.
 */

export interface Skipped {
  entry: DiscoveredEntry;
  why: string;
}

export type MergePlan =
  | { ok: true; added: DiscoveredEntry[]; skipped: Skipped[]; text?: string }
  /** `unreadable`: the file is not a JSON object; `would-break`: with the new entries it would not load. */
  | { ok: false; why: "unreadable" | "would-break"; problems: string[] };

type Json = Record<string, unknown>;

/**
 * `existing` is the file's text, or undefined when there is no file yet (one is made, flat form).
 * `defaultRegion` is what aliases without a region use, so a same-model check compares like
 * with like.
 */
export function planMerge(
  existing: string | undefined,
  file: string,
  defaultRegion: string | undefined,
  discovered: readonly DiscoveredEntry[],
): MergePlan {
  let root: Json = {};
  if (existing !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(existing);
    } catch {
      const problems = parseModels(existing, file, defaultRegion).problems.map(formatProblem);
      return { ok: false, why: "unreadable", problems };
    }
    if (!isObject(parsed))
      return { ok: false, why: "unreadable", problems: [`${file}: top level is not a JSON object of aliases`] };
    root = parsed;
  }
  const wrapped = isObject(root.models);
  const aliases = (wrapped ? root.models : root) as Json;

  const added: DiscoveredEntry[] = [];
  const skipped: Skipped[] = [];
  for (const d of discovered) {
    const why = conflict(d, aliases, defaultRegion);
    if (why) skipped.push({ entry: d, why });
    else added.push(d);
  }
  if (added.length === 0) return { ok: true, added, skipped };

  const merged: Json = { ...aliases, ...Object.fromEntries(added.map((d) => [d.alias, d.entry])) };
  const doc = wrapped ? { ...root, models: merged } : merged;
  const text =
    (existing !== undefined && insertAsText(existing, wrapped, added, doc)) || `${JSON.stringify(doc, null, 2)}\n`;

  // The file must load as well after as before: no problem may appear that was not there already.
  const before = new Set(
    existing === undefined ? [] : parseModels(existing, file, defaultRegion).problems.map(formatProblem),
  );
  const fresh = parseModels(text, file, defaultRegion)
    .problems.map(formatProblem)
    .filter((p) => !before.has(p));
  if (fresh.length > 0) return { ok: false, why: "would-break", problems: fresh };
  return { ok: true, added, skipped, text };
}

/** Why a discovered alias stays out of the file, or undefined when it may join. */
function conflict(d: DiscoveredEntry, aliases: Json, defaultRegion: string | undefined): string | undefined {
  const target = (e: Json) =>
    `${e.type ?? "model"}|${typeof e.id === "string" ? e.id.trim() : ""}|${e.region ?? defaultRegion}`;
  const wanted = target(d.entry);
  for (const [name, raw] of Object.entries(aliases)) {
    if (!name.startsWith("_") && isObject(raw) && target(raw) === wanted) return `already served by alias '${name}'`;
  }
  if (Object.hasOwn(aliases, d.alias)) return `alias '${d.alias}' exists for something else (left untouched)`;
  for (const [name, raw] of Object.entries(aliases)) {
    if (name.startsWith("_") || !isObject(raw) || !Array.isArray(raw.names)) continue;
    for (const n of raw.names) {
      if (typeof n !== "string") continue;
      if (n === d.alias || (isGlob(n) && compileGlob(n).test(d.alias)))
        return `'${d.alias}' is claimed by alias '${name}' (names: '${n}')`;
    }
  }
  return undefined;
}

/**
 * The file with the new aliases inserted before the aliases object's closing brace, indented
 * like the aliases already there; undefined when the layout is not one this understands (then
 * the caller writes the whole document instead). Checked by parsing the result.
 */
function insertAsText(text: string, wrapped: boolean, added: DiscoveredEntry[], doc: Json): string | undefined {
  const start = wrapped ? offsetOf(text, jsonValuePosition(text, ["models"])) : text.search(/\S/);
  if (start === undefined || start < 0 || text[start] !== "{") return undefined;
  const end = closingBrace(text, start);
  if (end === undefined) return undefined;
  const layout = /^\{[ \t]*(\r?\n)([ \t]+)"/.exec(text.slice(start));
  if (!layout) return undefined;
  const [, nl, indent] = layout as unknown as [string, string, string];
  const lineStart = text.lastIndexOf("\n", start) + 1;
  const unit = wrapped ? (/^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? "") : indent;
  if (unit === "") return undefined;
  let last = end - 1;
  while (last > start && /\s/.test(text[last]!)) last--;
  const block = added
    .map(
      (d) =>
        `${indent}${JSON.stringify(d.alias)}: ${JSON.stringify(d.entry, null, unit)
          .split("\n")
          .join(nl + indent)}`,
    )
    .join(`,${nl}`);
  const out = `${text.slice(0, last + 1)}${text[last] === "{" ? "" : ","}${nl}${block}${text.slice(last + 1)}`;
  try {
    return JSON.stringify(JSON.parse(out)) === JSON.stringify(doc) ? out : undefined;
  } catch {
    return undefined;
  }
}

function offsetOf(text: string, at: { line: number; column: number } | undefined): number | undefined {
  if (!at) return undefined;
  let offset = 0;
  for (let line = 1; line < at.line; line++) offset = text.indexOf("\n", offset) + 1;
  return offset + at.column - 1;
}

/** The `}` that closes the object opening at `start`, skipping strings. */
function closingBrace(text: string, start: number): number | undefined {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return undefined;
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
