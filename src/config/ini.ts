/**
 * The OCI config-file dialect of INI: `[PROFILE]` sections, `key=value` trimmed, whole-line `#`/`;`
 * comments. Lines before any header belong to DEFAULT, which is how the seed's header-less
 * credentials.conf is read. The dialect has no inline comments: `key_file=a.pem  # mine` means a
 * file named `a.pem  # mine`, which is never what was meant, so such a value is a problem named
 * by its line (pass phrases excepted: they may hold anything).
 */
export type IniSections = Map<string, Map<string, string>>;

export interface IniLineProblem {
  line: number;
  message: string;
}

export function parseIni(text: string): { sections: IniSections; problems: IniLineProblem[] } {
  const sections: IniSections = new Map([["DEFAULT", new Map()]]);
  const problems: IniLineProblem[] = [];
  let current = sections.get("DEFAULT")!;
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      const name = header[1]!.trim();
      if (!sections.has(name)) sections.set(name, new Map());
      current = sections.get(name)!;
      return;
    }
    const eq = line.indexOf("=");
    if (eq <= 0) {
      problems.push({ line: i + 1, message: `expected 'key=value' or '[PROFILE]', got '${line.slice(0, 40)}'` });
      return;
    }
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    const comment = /\s[#;]/.exec(value);
    if (comment && key !== "pass_phrase") {
      problems.push({
        line: i + 1,
        message: `the value of '${key}' holds an inline comment ('${value.slice(comment.index + 1, comment.index + 30)}'); put comments on their own line`,
      });
    }
    current.set(key, value);
  });
  return { sections, problems };
}
