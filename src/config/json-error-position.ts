export interface TextPosition {
  line: number;
  column: number;
}

/**
 * Where a JSON text stops being JSON, as a 1-based line and column. Bun's JSON.parse says what is
 * wrong but not where, and a config error must point at the line to fix. Only called after
 * JSON.parse failed, so it favours plainness over speed; undefined if it finds no error.
 */
export function jsonErrorPosition(text: string): TextPosition | undefined {
  const at = scanJson(text);
  return at === undefined ? undefined : positionOf(text, at);
}

/**
 * Where the value at `path` (object keys and array indexes) starts in a JSON text that parses,
 * so a problem with a value can name its line too. With a key given twice, the last one counts,
 * as in JSON.parse. Only called to report a problem.
 */
export function jsonValuePosition(text: string, path: ReadonlyArray<string | number>): TextPosition | undefined {
  let found: number | undefined;
  const failed = scanJson(text, (at, start) => {
    if (at.length === path.length && at.every((step, i) => step === path[i])) found = start;
  });
  return failed !== undefined || found === undefined ? undefined : positionOf(text, found);
}

/**
 * The top-level members of a JSON object text named more than once, each at its later place:
 * JSON.parse keeps the last silently, which in a file of keys replaces one entry with another.
 */
export function repeatedTopLevelNames(text: string): Array<{ name: string; position: TextPosition }> {
  const seen = new Set<string>();
  const repeated: Array<{ name: string; position: TextPosition }> = [];
  scanJson(text, (at, start) => {
    if (at.length !== 1 || typeof at[0] !== "string") return;
    if (seen.has(at[0])) repeated.push({ name: at[0], position: positionOf(text, start) });
    seen.add(at[0]);
  });
  return repeated;
}

function positionOf(text: string, offset: number): TextPosition {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

/** Walks the text as JSON: the offset where it stops being JSON, or undefined. `onValue` sees each value's path and start. */
function scanJson(
  text: string,
  onValue?: (path: ReadonlyArray<string | number>, start: number) => void,
): number | undefined {
  let i = 0;
  const path: Array<string | number> = [];
  const fail = (): never => {
    throw i;
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const expect = (c: string) => {
    if (text[i] !== c) fail();
    i++;
  };
  const string = () => {
    expect('"');
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail();
      if (text[i] === "\\") {
        i++;
        if (text[i] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? "")) fail();
      }
      i++;
    }
    expect('"');
  };
  const value = (): void => {
    ws();
    onValue?.(path, i);
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        const keyStart = i;
        string();
        path.push(onValue ? (JSON.parse(text.slice(keyStart, i)) as string) : "");
        ws();
        expect(":");
        value();
        path.pop();
        ws();
        if (text[i] !== ",") {
          expect("}");
          return;
        }
        i++;
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (let index = 0; ; index++) {
        path.push(index);
        value();
        path.pop();
        ws();
        if (text[i] !== ",") {
          expect("]");
          return;
        }
        i++;
      }
    }
    if (c === '"') {
      string();
      return;
    }
    const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 512));
    if (!m) fail();
    i += m![0].length;
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return undefined;
  } catch (at) {
    if (typeof at !== "number") throw at;
    return at;
  }
}
