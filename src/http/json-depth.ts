/** Brackets and quotes: the only characters that change nesting or string state. */
const STRUCTURE = /["[\]{}]/g;

/**
 * How deeply a JSON text nests, found by a linear scan before parsing: a body of a few hundred
 * KB can nest a hundred thousand levels, which would stall the event loop in parsing and in the
 * validator's error messages. A native regex jumps between structural characters and string
 * contents are skipped with indexOf, so a large body of mostly text costs little.
 */
export function exceedsJsonDepth(text: string, max: number): boolean {
  let depth = 0;
  STRUCTURE.lastIndex = 0;
  for (let m = STRUCTURE.exec(text); m; m = STRUCTURE.exec(text)) {
    const c = text.charCodeAt(m.index);
    if (c === 34 /* " */) {
      let end = text.indexOf('"', m.index + 1);
      // A quote preceded by an odd run of backslashes is escaped: keep looking.
      while (end !== -1 && isEscaped(text, end)) end = text.indexOf('"', end + 1);
      if (end === -1) return false; // unterminated: JSON.parse will say so
      STRUCTURE.lastIndex = end + 1;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else depth--;
  }
  return false;
}

function isEscaped(text: string, quote: number): boolean {
  let n = 0;
  for (let i = quote - 1; i >= 0 && text.charCodeAt(i) === 92; i--) n++;
  return n % 2 === 1;
}
