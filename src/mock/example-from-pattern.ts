/**
 * A short string that a JSON schema `pattern` accepts, for the patterns schemas carry (postal
 * codes, ids, dates, SKUs: literals, `\d \w \s .`, classes with ranges, groups with alternatives,
 * quantifiers). Each piece is written the fewest times its quantifier allows, the first
 * alternative of a group is taken, and the result is checked with the pattern itself: what this
 * cannot satisfy (look-arounds, back-references) is `undefined`, never a wrong example.
 */
export function exampleFromPattern(pattern: string): string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(pattern, "u");
  } catch {
    return undefined;
  }
  for (const chooseLonger of [false, true]) {
    let out: string;
    try {
      out = new Writer(pattern, chooseLonger).sequence();
    } catch {
      return undefined;
    }
    if (re.test(out)) return out;
  }
  return undefined;
}

/** The longest example written: a schema's pattern is for a field, not a document. */
const MAX_EXAMPLE = 4096;

/** A pattern the writer cannot follow: the caller falls back. */
class Unsupported extends Error {}

const CLASS_ESCAPES: Record<string, string> = { d: "1", w: "a", s: " ", D: "a", W: "-", S: "a" };
/** What a negated class may still be: the first of these it does not exclude. */
const CANDIDATES = ["a", "1", "x", "Z", "-", "_", " ", "!"];

class Writer {
  private at = 0;

  /**
   * `chooseLonger`: `?` and `*` write their piece once instead of never, for the patterns where
   * a piece is optional only in appearance (`^a?b?$` with a `minLength`, or `(\d)?\1`).
   */
  constructor(
    private readonly p: string,
    private readonly chooseLonger: boolean,
  ) {}

  /** Alternatives to the end of the pattern or of the group: the first one. */
  sequence(): string {
    let out = "";
    while (this.at < this.p.length) {
      const c = this.p[this.at]!;
      if (c === ")") return out;
      if (c === "|") {
        this.skipAlternatives();
        return out;
      }
      const piece = this.atom();
      out += piece.repeat(this.quantifier());
      if (out.length > MAX_EXAMPLE) throw new Unsupported(); // nested counts multiply: {256} of {256}…
    }
    return out;
  }

  /** Skips `|…` up to the end of the group (or of the pattern), nested groups included. */
  private skipAlternatives(): void {
    let depth = 0;
    while (this.at < this.p.length) {
      const c = this.p[this.at]!;
      if (c === "\\") this.at += 2;
      else if (c === "[") this.classBody();
      else {
        if (c === "(") depth++;
        else if (c === ")") {
          if (depth === 0) return;
          depth--;
        }
        this.at++;
      }
    }
  }

  private atom(): string {
    const c = this.p[this.at++]!;
    switch (c) {
      case "^":
      case "$":
        return "";
      case ".":
        return "a";
      case "\\":
        return this.escape();
      case "[":
        this.at--;
        return this.classBody();
      case "(": {
        if (this.p[this.at] === "?") {
          if (this.p[this.at + 1] !== ":") throw new Unsupported(); // look-arounds, named groups
          this.at += 2;
        }
        const inner = this.sequence();
        if (this.p[this.at++] !== ")") throw new Unsupported();
        return inner;
      }
      default:
        return c;
    }
  }

  private escape(): string {
    const c = this.p[this.at++];
    if (c === undefined) throw new Unsupported();
    if (c in CLASS_ESCAPES) return CLASS_ESCAPES[c]!;
    if (/[1-9bBkpPuxc]/.test(c)) throw new Unsupported(); // back-references, boundaries, code points
    return c === "n" ? "\n" : c === "t" ? "\t" : c;
  }

  /** `[…]` from its opening bracket: a character it accepts. */
  private classBody(): string {
    this.at++; // [
    const negated = this.p[this.at] === "^";
    if (negated) this.at++;
    const members: Array<string | [string, string]> = [];
    let first = true;
    while (this.at < this.p.length && (this.p[this.at] !== "]" || first)) {
      first = false;
      let ch = this.p[this.at++]!;
      if (ch === "\\") {
        const e = this.p[this.at++]!;
        if (e in CLASS_ESCAPES) {
          members.push(CLASS_ESCAPES[e]!);
          continue;
        }
        ch = e === "n" ? "\n" : e === "t" ? "\t" : e;
      }
      if (this.p[this.at] === "-" && this.p[this.at + 1] !== "]" && this.at + 1 < this.p.length) {
        this.at++;
        let to = this.p[this.at++]!;
        if (to === "\\") to = this.p[this.at++]!;
        members.push([ch, to]);
      } else members.push(ch);
    }
    if (this.p[this.at++] !== "]") throw new Unsupported();
    if (!negated) {
      const m = members[0];
      if (m === undefined) throw new Unsupported();
      return typeof m === "string" ? m : m[0];
    }
    const excluded = (x: string) => members.some((m) => (typeof m === "string" ? m === x : m[0] <= x && x <= m[1]));
    const pick = CANDIDATES.find((x) => !excluded(x));
    if (pick === undefined) throw new Unsupported();
    return pick;
  }

  /** How many times the atom just read is written: the fewest its quantifier allows. */
  private quantifier(): number {
    const c = this.p[this.at];
    let n = 1;
    if (c === "*" || c === "?") {
      this.at++;
      n = this.chooseLonger ? 1 : 0;
    } else if (c === "+") {
      this.at++;
      n = 1;
    } else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.p.slice(this.at));
      if (!m) return 1; // a literal brace
      this.at += m[0].length;
      n = Number(m[1]);
      if (n > 256) throw new Unsupported();
      if (n === 0 && this.chooseLonger && m[3] !== "0") n = 1;
    } else return 1;
    if (this.p[this.at] === "?") this.at++; // lazy: the same fewest
    return n;
  }
}
