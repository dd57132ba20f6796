/** Whether an extra model name is a glob pattern rather than a plain name (docs/configuration.md#names). */
export function isGlob(name: string): boolean {
  return name.includes("*") || name.includes("?");
}

/**
 * A glob (`*` any run of characters, `?` one character, all else literal) as a RegExp matching
 * whole names, case-sensitively.
 *
 * The obvious translation (`*` → `.*`) backtracks polynomially: `*a*a*a*b` against 400 `a`s
 * takes a second, and the name comes from the client. Between two stars every run is of fixed
 * length, so taking the leftmost place where each run fits never loses a match; each middle run
 * is therefore found lazily inside a lookahead and consumed by a backreference, which the engine
 * cannot backtrack into. A match then costs at most name length × pattern length steps.
 */
export function compileGlob(pattern: string): RegExp {
  const runs = pattern.split("*").map(literalRun);
  if (runs.length === 1) return new RegExp(`^${runs[0]}$`, "u");
  const first = runs[0]!;
  const last = runs[runs.length - 1]!;
  let source = `^${first}`;
  let group = 0;
  for (const run of runs.slice(1, -1)) {
    if (run === "") continue;
    group++;
    source += `(?=([\\s\\S]*?${run}))\\${group}`;
  }
  return new RegExp(`${source}[\\s\\S]*${last}$`, "u");
}

function literalRun(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, (c) => (c === "?" ? "[\\s\\S]" : `\\${c}`));
}
