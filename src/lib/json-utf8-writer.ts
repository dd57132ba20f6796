/**
 * JSON written as UTF-8 straight into a byte buffer: the bytes `JSON.stringify` and a
 * `TextEncoder` would give, without the two transient copies they make on the way (the JSON
 * text, then its bytes). For a ~100 KB prompt each copy is fresh memory that the allocator has
 * handed back to the kernel since the last request, and faulting it in again is most of what a
 * large request costs at a light load (docs/architecture.md, "Request bodies to OCI").
 *
 * Meant for plain data (what translation builds): objects, arrays, strings, numbers, booleans,
 * null, with `undefined` skipped as JSON.stringify skips it and `toJSON` honoured. Output is
 * byte-for-byte JSON.stringify's (test/unit/json-utf8-writer.test.ts checks it).
 */

/**
 * A string JSON.stringify would change: a quote, a backslash, a control character, or any UTF-16
 * surrogate (a lone one is escaped; a pair is passed through, but the rare case is left to
 * stringify rather than checked here). Everything else is written as it is.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what JSON escapes
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * A long string, from this length on, is measured (one native pass) instead of assumed to take
 * three bytes a character, UTF-8's most — reserved that way, one long string (a pasted file) grew
 * the buffer to three times its size, past what the pool keeps (lib/buffer-pool.ts) — and, when
 * it has characters to escape, escaped in place (`escapedInPlace`). Shorter ones are not worth it.
 */
const LONG_STRING = 1024;
const room = (s: string) => (s.length < LONG_STRING ? s.length * 3 : Buffer.byteLength(s));

/** In an ASCII string, what JSON escapes: a quote, a backslash, a control character. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what JSON escapes
const ESCAPED = /["\\\u0000-\u001f]/g;
/** The letter after the backslash of a two-character escape (`\n`, `\"`…); 0: `\u00XX`. */
const SHORT_ESCAPE = new Uint8Array(0x60);
for (const [c, letter] of [
  [0x22, 0x22],
  [0x5c, 0x5c],
  [0x08, 0x62],
  [0x0c, 0x66],
  [0x0a, 0x6e],
  [0x0d, 0x72],
  [0x09, 0x74],
] as const)
  SHORT_ESCAPE[c] = letter;
const HEX = Buffer.from("0123456789abcdef");

/** Deeper than any body the gateway builds (requests nest ≤ 64); a cyclic value ends here. */
const MAX_DEPTH = 1000;

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

export class JsonUtf8Writer {
  private at = 0;

  constructor(
    /** Written from its start; replaced by a larger one when the value does not fit. */
    public buffer: Buffer,
  ) {}

  /** Writes `value` from the buffer's start; the bytes are then `bytes()`. */
  write(value: unknown): this {
    this.at = 0;
    if (!this.value(value, "", 0)) throw new TypeError("a JSON body must be a value JSON can hold");
    return this;
  }

  /** What the last `write` produced: a view of `buffer`, valid until it is written again. */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.at);
  }

  /** Room for `n` more bytes; a larger buffer (double, or what is needed) takes over otherwise. */
  private need(n: number): void {
    if (this.at + n <= this.buffer.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.buffer.length * 2, this.at + n));
    this.buffer.copy(next, 0, 0, this.at);
    this.buffer = next;
  }

  private byte(b: number): void {
    this.need(1);
    this.buffer[this.at++] = b;
  }

  /** Text with no character outside ASCII's printable range that JSON escapes, and no surrogate. */
  private raw(s: string): void {
    this.need(room(s));
    this.at += this.buffer.write(s, this.at);
  }

  private string(s: string): void {
    if (NEEDS_ESCAPING.test(s)) {
      if (s.length < LONG_STRING || !this.escapedInPlace(s)) this.raw(JSON.stringify(s));
      return;
    }
    this.need(room(s) + 2);
    const b = this.buffer;
    b[this.at++] = QUOTE;
    this.at += b.write(s, this.at);
    b[this.at++] = QUOTE;
  }

  /**
   * A long ASCII string with characters to escape — a prompt's newlines, the quotes in its code —
   * written as it is and then widened in place, escapes inserted from the end backwards: what
   * JSON.stringify would give, without the escaped copy it makes (fresh memory, faulted in page by
   * page at a light load: ~0.6 ms for a ~100 KB conversation at 40 requests a second, against
   * ~0.06 for one with nothing to escape; BENCHMARKS.md). False, and nothing written, for a string
   * that is not ASCII: its characters and bytes would not line up.
   */
  private escapedInPlace(s: string): boolean {
    const n = s.length;
    if (Buffer.byteLength(s) !== n) return false; // not ASCII (a surrogate never is)
    // Where the escapes are (per string: a scratch array kept between strings would keep the
    // largest body's count of them for good).
    const escapes: number[] = [];
    let extra = 0;
    ESCAPED.lastIndex = 0;
    for (let m = ESCAPED.exec(s); m; m = ESCAPED.exec(s)) {
      escapes.push(m.index);
      extra += SHORT_ESCAPE[s.charCodeAt(m.index)] ? 1 : 5;
    }
    this.need(n + extra + 2);
    const b = this.buffer;
    b[this.at++] = QUOTE;
    const start = this.at;
    b.write(s, start); // ASCII: character i is byte start + i
    let src = start + n;
    let dst = src + extra;
    for (let k = escapes.length - 1; k >= 0; k--) {
      const i = start + escapes[k]!;
      const tail = src - i - 1;
      if (tail > 0) b.copyWithin(dst - tail, i + 1, src);
      dst -= tail;
      const c = b[i]!;
      const letter = SHORT_ESCAPE[c]!;
      if (letter) {
        b[--dst] = letter;
        b[--dst] = 0x5c;
      } else {
        dst -= 6;
        b[dst] = 0x5c;
        b[dst + 1] = 0x75; // u
        b[dst + 2] = 0x30;
        b[dst + 3] = 0x30;
        b[dst + 4] = HEX[c >> 4]!;
        b[dst + 5] = HEX[c & 15]!;
      }
      src = i;
    }
    this.at = start + n + extra;
    b[this.at++] = QUOTE;
    return true;
  }

  /** Writes one value; false when JSON.stringify would leave it out (undefined, a function, a symbol). */
  private value(v: unknown, key: string, depth: number): boolean {
    if (v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON === "function")
      v = (v as { toJSON(k: string): unknown }).toJSON(key);
    switch (typeof v) {
      case "string":
        this.string(v);
        return true;
      case "number":
        this.raw(Number.isFinite(v) ? String(v) : "null");
        return true;
      case "boolean":
        this.raw(v ? "true" : "false");
        return true;
      case "bigint":
        throw new TypeError("a BigInt cannot be written as JSON");
      case "object":
        if (v === null) {
          this.raw("null");
          return true;
        }
        if (depth >= MAX_DEPTH) throw new TypeError("a JSON body nests too deeply (or refers to itself)");
        if (Array.isArray(v)) this.array(v, depth + 1);
        else this.object(v as Record<string, unknown>, depth + 1);
        return true;
      default:
        return false;
    }
  }

  private array(a: unknown[], depth: number): void {
    this.byte(OPEN_BRACKET);
    for (let i = 0; i < a.length; i++) {
      if (i > 0) this.byte(COMMA);
      if (!this.value(a[i], String(i), depth)) this.raw("null");
    }
    this.byte(CLOSE_BRACKET);
  }

  private object(o: Record<string, unknown>, depth: number): void {
    this.byte(OPEN_BRACE);
    let first = true;
    for (const k in o) {
      if (!Object.hasOwn(o, k)) continue;
      const v = o[k];
      if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
      const mark = this.at;
      if (!first) this.byte(COMMA);
      this.string(k);
      this.byte(COLON);
      // A toJSON that answers undefined drops the member, as JSON.stringify does.
      if (!this.value(v, k, depth)) {
        this.at = mark;
        continue;
      }
      first = false;
    }
    this.byte(CLOSE_BRACE);
  }
}
