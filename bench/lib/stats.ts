/** Percentiles (nearest rank) and medians. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function sortedFinite(xs: Iterable<number>): Float64Array {
  const a = Float64Array.from([...xs].filter(Number.isFinite));
  a.sort();
  return a;
}

export function median(xs: number[]): number {
  return percentile(sortedFinite(xs), 50);
}

export interface Pcts {
  p50: number;
  p90: number;
  p99: number;
}

export function pcts(xs: Iterable<number>): Pcts {
  const s = sortedFinite(xs);
  return { p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99) };
}

export const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");
export const signed = (x: number, digits = 2) => (Number.isFinite(x) ? (x >= 0 ? "+" : "") + x.toFixed(digits) : "n/a");

/** The highest of each run of `perGroup` samples, in order (e.g. each second's highest RSS). */
export function groupMax(samples: readonly number[], perGroup: number): number[] {
  const out: number[] = [];
  samples.forEach((x, i) => {
    const at = Math.floor(i / perGroup);
    out[at] = Math.max(out[at] ?? Number.NEGATIVE_INFINITY, x);
  });
  return out;
}
