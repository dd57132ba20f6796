/** Cleans a client's file name: no path, no control characters, bounded length. */
export function cleanFilename(raw: string | undefined): string {
  const base = (raw ?? "").split(/[\\/]/).pop() ?? "";
  const clean = base
    .normalize("NFC")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this refuses
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .replace(/^\.+/, "")
    .trim()
    .slice(0, 200);
  return clean || "file";
}

const PURPOSE = /^[a-z0-9_-]{1,40}$/;

export function isValidPurpose(p: string): boolean {
  return PURPOSE.test(p);
}

/** `<prefix><purpose>/<uuid>/<filename>`: the purpose and name read back from the name alone. */
export function objectNameFor(prefix: string, purpose: string, filename: string): string {
  return `${prefix}${purpose}/${crypto.randomUUID()}/${cleanFilename(filename)}`;
}

export function describeObjectName(prefix: string, name: string): { purpose: string; filename: string } {
  const parts = name.slice(prefix.length).split("/");
  return parts.length >= 3
    ? { purpose: parts[0]!, filename: parts.slice(2).join("/") }
    : { purpose: "user_data", filename: parts.at(-1) ?? name };
}
