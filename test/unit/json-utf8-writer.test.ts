/**
 * The JSON bodies sent to OCI are written straight into lent buffers (lib/json-utf8-writer.ts,
 * lib/buffer-pool.ts): the bytes must be exactly JSON.stringify's, encoded as UTF-8, whatever
 * the value and however often a buffer must grow.
 */
import { describe, expect, test } from "bun:test";
import { BufferPool } from "../../src/lib/buffer-pool";
import { JsonUtf8Writer } from "../../src/lib/json-utf8-writer";

const utf8 = new TextEncoder();
const write = (v: unknown, start = 1) => new JsonUtf8Writer(Buffer.allocUnsafeSlow(start)).write(v).bytes();
const same = (v: unknown, start = 1) =>
  expect(Buffer.from(write(v, start)).equals(Buffer.from(utf8.encode(JSON.stringify(v))))).toBe(true);

/** A small deterministic generator, so a failure names a seed that reproduces it. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function randomString(r: () => number): string {
  const pick = [
    () => String.fromCharCode(32 + Math.floor(r() * 95)), // printable ASCII, quote and backslash included
    () => String.fromCharCode(Math.floor(r() * 32)), // control characters
    () => String.fromCharCode(0x80 + Math.floor(r() * 0x780)), // two-byte UTF-8
    () => String.fromCharCode(0x800 + Math.floor(r() * 0xd000)), // three-byte, below the surrogates
    () => "😀𝄞", // pairs (four bytes each)
    () => String.fromCharCode(0xd800 + Math.floor(r() * 0x800)), // a lone surrogate
    () => "plain text ".repeat(1 + Math.floor(r() * 50)),
  ];
  let s = "";
  const n = Math.floor(r() * 12);
  for (let i = 0; i < n; i++) s += pick[Math.floor(r() * (r() < 0.7 ? 1 : pick.length))]!();
  return s;
}

function randomValue(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 4 ? 5 : 8));
  if (k === 0) return randomString(r);
  if (k === 1) return [0, -0, 1.5, -1e-7, 2 ** 53, 1e21, Number.NaN, Number.POSITIVE_INFINITY][Math.floor(r() * 8)];
  if (k === 2) return r() < 0.5;
  if (k === 3) return null;
  if (k === 4) return undefined;
  if (k === 5) return Array.from({ length: Math.floor(r() * 5) }, () => randomValue(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(r() * 6); i > 0; i--) o[randomString(r)] = randomValue(r, depth + 1);
  return o;
}

describe("JsonUtf8Writer", () => {
  test("plain data: JSON.stringify's bytes, from a 1-byte buffer grown as needed", () => {
    same({
      compartmentId: "ocid1.compartment.oc1..aaaa",
      servingMode: { modelId: "meta.llama-3.3-70b-instruct", servingType: "ON_DEMAND" },
      chatRequest: {
        apiFormat: "GENERIC",
        messages: [{ role: "USER", content: [{ type: "TEXT", text: 'Say "hi"\n\tthen\\stop' }] }],
        maxTokens: 256,
        temperature: 0.2,
        isStream: false,
        stop: undefined,
      },
    });
    for (const v of [{}, [], "", 0, -0, 1e21, 1e-7, Number.NaN, true, false, null, "é", "😀", "\u2028\u2029"]) same(v);
  });

  test("what JSON.stringify leaves out or replaces: undefined, functions and symbols; toJSON; lone surrogates", () => {
    same({ a: undefined, b: () => 1, c: Symbol("s"), d: [undefined, () => 1, Symbol("s")], e: 1 });
    same({ when: new Date(0), custom: { toJSON: (k: string) => `key ${k}` }, gone: { toJSON: () => undefined }, z: 2 });
    same({ first: { toJSON: () => undefined }, second: 1 }); // the comma goes with the dropped member
    same(["\ud800", "a\udc00b", "\ud83d\ude00", "\udc00\ud800"]);
    same(Object.assign(Object.create({ inherited: 1 }), { own: 2 }));
  });

  test("a 300 KB string and a 40-message conversation, as one large prompt", () => {
    same({ text: "The quick brown fox. ".repeat(15_000) });
    const messages = Array.from({ length: 40 }, (_, i) => ({
      role: i % 2 ? "ASSISTANT" : "USER",
      content: [{ type: "TEXT", text: `${i}: ${"word ".repeat(500)}` }],
    }));
    same({ chatRequest: { messages } }, 4096);
  });

  test("2,000 random values (strings of every kind of character, nested)", () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const v = randomValue(rng(seed), 0);
      const got = Buffer.from(write(v, 1 + (seed % 64))).toString("utf8");
      if (got !== JSON.stringify(v)) throw new Error(`seed ${seed}: ${got} ≠ ${JSON.stringify(v)}`);
      const bytes = write(v, 16);
      expect(bytes.length).toBe(Buffer.byteLength(JSON.stringify(v)));
    }
  });

  test("what JSON cannot hold is refused as JSON.stringify refuses it", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => write(cyclic)).toThrow(TypeError);
    expect(() => write({ n: 1n })).toThrow(TypeError);
    expect(() => write(undefined)).toThrow(TypeError);
  });

  test("a large prompt grows the buffer to less than twice its size, not to three times it", () => {
    // 40 turns of ~25 KB, as a coding agent's long conversation: ASCII, and with newlines to escape.
    const messages = Array.from({ length: 40 }, (_, i) => ({
      role: i % 2 ? "ASSISTANT" : "USER",
      content: [{ type: "TEXT", text: `${i}: ${(i % 4 < 2 ? "word " : "line\n").repeat(5000)}` }],
    }));
    const value = { chatRequest: { messages } };
    const size = Buffer.byteLength(JSON.stringify(value));
    const w = new JsonUtf8Writer(Buffer.allocUnsafeSlow(4096));
    expect(w.write(value).bytes().length).toBe(size);
    expect(Buffer.from(w.bytes()).equals(Buffer.from(utf8.encode(JSON.stringify(value))))).toBe(true);
    expect(w.buffer.length).toBeLessThan(2 * size);
    // One long ASCII string (a pasted file): reserved at three bytes a character, it alone made the
    // buffer three times its size.
    const pasted = { text: "a".repeat(600_000) };
    const p = new JsonUtf8Writer(Buffer.allocUnsafeSlow(4096));
    expect(p.write(pasted).bytes().length).toBe(600_011);
    expect(p.buffer.length).toBeLessThan(2 * 600_011);
    // Multi-byte text is measured too: 3 bytes a character here, and it still fits the doubling.
    const wide = { text: "€".repeat(300_000) };
    const v = new JsonUtf8Writer(Buffer.allocUnsafeSlow(4096));
    expect(v.write(wide).bytes().toString("utf8")).toBe(JSON.stringify(wide));
    expect(v.buffer.length).toBeLessThan(2 * Buffer.byteLength(JSON.stringify(wide)));
  });

  test("long strings with characters to escape, widened in place: JSON.stringify's bytes", () => {
    const ctrl = Array.from({ length: 32 }, (_, c) => String.fromCharCode(c)).join("");
    const cases = [
      "line one\nline two\r\n\ttabbed ".repeat(100), // a prompt's newlines
      `const s = "quoted \\ path";\n`.repeat(60), // code: quotes and backslashes
      `${ctrl}`.repeat(40), // nothing but escapes, every control character (\u00XX and the short ones)
      `\n${"x".repeat(2000)}\n`, // escapes first and last
      `${"\n".repeat(1500)}"`, // escapes back to back
      `${"a".repeat(3000)}\u007f~`, // DEL is not escaped
      "é\n".repeat(800), // not ASCII: left to JSON.stringify
      "😀 emoji\n".repeat(200), // a surrogate pair: left to JSON.stringify
      "\ud800 lone\n".repeat(200), // a lone surrogate: escaped by JSON.stringify
    ];
    for (const text of cases) {
      expect(text.length).toBeGreaterThanOrEqual(1024);
      for (const start of [1, 100, 4096, 100_000]) same({ text, after: "the next member" }, start);
    }
  });

  test("random long ASCII strings with escapes (300 seeds): JSON.stringify's bytes", () => {
    const alphabet = 'ab c"\\\n\r\t\u0000\u001f\u0008\u000c~{}[]:,\u007f';
    for (let seed = 1; seed <= 300; seed++) {
      const next = rng(seed);
      const length = 1024 + Math.floor(next() * 4000);
      let text = "";
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)];
      const v = { messages: [{ content: text }, { content: text.slice(7) }] };
      const got = Buffer.from(write(v, 1 + (seed % 3000))).toString("utf8");
      if (got !== JSON.stringify(v)) throw new Error(`seed ${seed}: differs from JSON.stringify`);
    }
  });

  test("a writer used again writes from the start: the previous value leaves nothing behind", () => {
    const w = new JsonUtf8Writer(Buffer.allocUnsafeSlow(8));
    expect(w.write({ long: "x".repeat(1000) }).bytes().length).toBe(1011);
    expect(w.write({ a: 1 }).bytes().toString()).toBe('{"a":1}');
    expect(w.buffer.length).toBeGreaterThanOrEqual(1011); // the grown buffer is the one kept
  });
});

describe("BufferPool", () => {
  test("lends the buffer given back last, or a new one of the initial size", () => {
    const pool = new BufferPool({ initialBytes: 64, maxBytes: 1024, size: 2 });
    const a = pool.take()!;
    expect(a.length).toBe(64);
    const b = pool.take()!;
    pool.give(a);
    pool.give(b);
    expect(pool.take()).toBe(b);
    expect(pool.take()).toBe(a);
  });

  test("never more than `size` buffers: a burst past it gets none, and they come back for the next", () => {
    const pool = new BufferPool({ initialBytes: 64, maxBytes: 1024, size: 3 });
    const lent = [pool.take(), pool.take(), pool.take()];
    expect(lent.every((b) => b !== undefined)).toBe(true);
    expect(pool.take()).toBeUndefined();
    expect(pool.counts()).toEqual({ idle: 0, lent: 3, idleBytes: 0 });
    for (const b of lent) pool.give(b!);
    expect(pool.counts()).toEqual({ idle: 3, lent: 0, idleBytes: 192 });
    expect(lent).toContain(pool.take());
  });

  test("a grown buffer is kept in place of the one lent; one over maxBytes is not, and frees its place", () => {
    const pool = new BufferPool({ initialBytes: 64, maxBytes: 1024, size: 1 });
    pool.take();
    const grown = Buffer.alloc(512);
    pool.give(grown);
    expect(pool.take()).toBe(grown);
    expect(pool.take()).toBeUndefined();
    pool.give(Buffer.alloc(2048));
    expect(pool.counts()).toEqual({ idle: 0, lent: 0, idleBytes: 0 });
    expect(pool.take()!.length).toBe(64);
  });

  test("the waiting buffers together stay under maxIdleBytes: one that would pass it is dropped", () => {
    const pool = new BufferPool({ initialBytes: 64, maxBytes: 4096, maxIdleBytes: 5000, size: 4 });
    const lent = [pool.take(), pool.take(), pool.take()];
    expect(lent.every((b) => b !== undefined)).toBe(true);
    pool.give(Buffer.alloc(4096)); // a ~1 MB prompt's buffer, scaled down: kept
    pool.give(Buffer.alloc(2048)); // would make 6,144 waiting: dropped
    pool.give(Buffer.alloc(512)); // 4,608: kept
    expect(pool.counts()).toEqual({ idle: 2, lent: 0, idleBytes: 4608 });
    expect(pool.take()!.length).toBe(512);
    expect(pool.counts().idleBytes).toBe(4096);
    expect(pool.take()!.length).toBe(4096);
    expect(pool.counts()).toEqual({ idle: 0, lent: 2, idleBytes: 0 });
  });
});
