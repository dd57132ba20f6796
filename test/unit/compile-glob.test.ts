/** Glob patterns of extra model names: `*`, `?`, everything else literal (src/config/compile-glob.ts). */
import { describe, expect, test } from "bun:test";
import { compileGlob, isGlob } from "../../src/config/compile-glob";

const matches = (pattern: string, name: string) => compileGlob(pattern).test(name);

/** The definition, written plainly: what compileGlob must agree with. */
function reference(pattern: string, name: string): boolean {
  if (pattern === "") return name === "";
  const [p, ...rest] = pattern;
  const tail = rest.join("");
  if (p === "*") return [...Array(name.length + 1).keys()].some((k) => reference(tail, name.slice(k)));
  if (name === "") return false;
  return (p === "?" || p === name[0]) && reference(tail, name.slice(1));
}

describe("compileGlob", () => {
  /** [what it shows, pattern, name, matches]. */
  const cases: Array<[string, string, string, boolean]> = [
    ["* is any run of characters", "claude-sonnet-*", "claude-sonnet-4-5-20250929", true],
    ["* may be empty", "claude-sonnet-*", "claude-sonnet-", true],
    ["* may be empty at the end", "gpt-4o*", "gpt-4o", true],
    ["* at the start", "*-mini", "gpt-4o-mini", true],
    ["* in the middle", "claude-*-4-5*", "claude-sonnet-4-5-20250929", true],
    ["* in the middle, no match", "claude-*-4-5*", "claude-sonnet-4-1", false],
    ["? is one character", "gpt-?o", "gpt-4o", true],
    ["? is not zero characters", "gpt-?o", "gpt-o", false],
    ["? is not two characters", "gpt-?o", "gpt-45o", false],
    ["whole names: no prefix match", "gpt-4o", "gpt-4o-mini", false],
    ["whole names: no suffix match", "gpt-4o*", "my-gpt-4o", false],
    ["whole names: anchored at the end", "*-mini", "gpt-4o-mini-2", false],
    ["case-sensitive", "claude-*", "Claude-sonnet", false],
    ["case-sensitive with ?", "GPT-?o", "gpt-4o", false],
  ];
  test.each(cases)("%s: %p against %p", (_what, pattern, name, expected) => {
    expect(matches(pattern, name)).toBe(expected);
  });

  test("regex metacharacters are literal", () => {
    expect(matches("gpt-4.1*", "gpt-4.1-mini")).toBe(true);
    expect(matches("gpt-4.1*", "gpt-4x1-mini")).toBe(false);
    for (const literal of ["a+b", "a(b)", "a[b]", "a{2}", "a|b", "a^b$", "a\\b", "a/b", "openai/gpt-4o"]) {
      expect(matches(`${literal}*`, `${literal}-x`)).toBe(true);
      expect(matches(literal, literal)).toBe(true);
    }
    expect(matches("a+b", "aab")).toBe(false);
    expect(matches("a|b", "a")).toBe(false);
    expect(matches("a[b]", "ab")).toBe(false);
  });

  test("? counts characters, not UTF-16 units", () => {
    expect(matches("modèle-?", "modèle-😀")).toBe(true);
  });

  test("agrees with the plain definition on every pattern and name over a small alphabet", () => {
    const patterns = ["", "*", "**", "?", "a", "a*", "*a", "*a*", "a?b", "*a*b*", "a**b", "?*?", "*ab*a", "a*a*a"];
    const names = ["", "a", "b", "ab", "ba", "aa", "aab", "abab", "abba", "aaab", "baab", "ababa", "bbbbb"];
    for (const p of patterns)
      for (const n of names) expect({ p, n, m: matches(p, n) }).toEqual({ p, n, m: reference(p, n) });
  });

  test("a long client-supplied name costs no runaway backtracking", () => {
    // `*a*a*a*b` as a naive `.*a.*a.*a.*b` regex takes about a second on 400 a's, minutes on 3000.
    const started = performance.now();
    expect(matches("*a*a*a*b", "a".repeat(3000))).toBe(false);
    expect(matches("*a*a*a*a*a*b", "a".repeat(100_000))).toBe(false);
    expect(matches("*a*a*a*b", `${"a".repeat(100_000)}b`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe("isGlob", () => {
  test("a name with * or ? is a pattern; anything else is a plain name", () => {
    expect(isGlob("claude-sonnet-*")).toBe(true);
    expect(isGlob("gpt-?o")).toBe(true);
    expect(isGlob("claude-sonnet-4-5-20250929")).toBe(false);
    expect(isGlob("gpt-4.1[mini]")).toBe(false);
  });
});
