import { badRequest } from "../errors/api-error";
import type { UsageRow } from "../state/types";

/** The longest range a usage report covers: a year and a bit, so a yearly report fits. */
export const MAX_REPORT_DAYS = 400;
/** Without `from`, a report covers the 30 days ending with `to`. */
const DEFAULT_DAYS = 30;
const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export interface UsageRange {
  from: string;
  to: string;
  key?: string;
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function parseDay(value: string, param: string): number {
  const ms = DAY.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms) || dayOf(ms) !== value)
    throw badRequest(`'${param}' must be a UTC day as YYYY-MM-DD, got '${value}'`, param);
  return ms;
}

/**
 * The days a usage report covers: `to` defaults to today (UTC), `from` to 29 days before it; a
 * malformed day, `from` after `to`, or more than MAX_REPORT_DAYS days is a 400 naming the field.
 */
export function usageRange(q: { from?: string; to?: string; key?: string }, now = Date.now()): UsageRange {
  const to = q.to === undefined ? Date.parse(`${dayOf(now)}T00:00:00Z`) : parseDay(q.to, "to");
  const from = q.from === undefined ? to - (DEFAULT_DAYS - 1) * DAY_MS : parseDay(q.from, "from");
  if (from > to) throw badRequest("'from' is after 'to'", "from");
  if ((to - from) / DAY_MS + 1 > MAX_REPORT_DAYS)
    throw badRequest(`A usage report covers at most ${MAX_REPORT_DAYS} days`, "from");
  return { from: dayOf(from), to: dayOf(to), ...(q.key ? { key: q.key } : {}) };
}

export interface UsageReport {
  object: "usage_report";
  from: string;
  to: string;
  key: string | null;
  data: Array<{
    day: string;
    key: string;
    alias: string;
    requests: number;
    input_tokens: number;
    output_tokens: number;
  }>;
  totals: { requests: number; input_tokens: number; output_tokens: number };
}

/** Ledger rows as the report `/admin/usage` answers and `ocigenai usage --json` prints. */
export function usageReport(rows: UsageRow[], range: UsageRange): UsageReport {
  const data = rows.map((r) => ({
    day: r.day,
    key: r.key,
    alias: r.alias,
    requests: r.requests,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
  }));
  const totals = data.reduce(
    (t, r) => ({
      requests: t.requests + r.requests,
      input_tokens: t.input_tokens + r.input_tokens,
      output_tokens: t.output_tokens + r.output_tokens,
    }),
    { requests: 0, input_tokens: 0, output_tokens: 0 },
  );
  return { object: "usage_report", from: range.from, to: range.to, key: range.key ?? null, data, totals };
}

/** The report as a plain table for a terminal. */
export function usageTable(r: UsageReport): string {
  const head = ["day", "key", "alias", "requests", "input tokens", "output tokens"];
  const rows = r.data.map((d) => [
    d.day,
    d.key,
    d.alias,
    String(d.requests),
    String(d.input_tokens),
    String(d.output_tokens),
  ]);
  const total = [
    "total",
    "",
    "",
    String(r.totals.requests),
    String(r.totals.input_tokens),
    String(r.totals.output_tokens),
  ];
  const all = [head, ...rows, total];
  const width = head.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => (i >= 3 ? c.padStart(width[i]!) : c.padEnd(width[i]!)))
      .join("  ")
      .trimEnd();
  const scope = `usage ${r.from} .. ${r.to}${r.key ? ` for key '${r.key}'` : ""}`;
  return [scope, line(head), ...rows.map(line), line(total)].join("\n");
}
