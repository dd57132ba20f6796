/** Cleans a client's file name: no path, no control characters, bounded length. */
export function cleanFilename(raw: string | undefined): string {
  const base = (raw ?? "").split(/[\\/]/).pop() ?? "";
  const clean = base
    .normalize("NFC")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this refuses
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .replace(/^\.+/, "")
    .trim();
  // At most 200 characters and 255 UTF-8 bytes, cut between whole characters: a cut inside an
  // emoji's surrogate pair left half of it, which the object name's URL encoding refused (a 500),
  // and the bytes keep the object name within OCI's 1,024 and the file id within its bound.
  // Lone surrogates sent as such become U+FFFD.
  let cut = "";
  let bytes = 0;
  let chars = 0;
  for (const ch of clean.toWellFormed()) {
    const n = Buffer.byteLength(ch);
    if (chars === 200 || bytes + n > 255) break;
    cut += ch;
    bytes += n;
    chars++;
  }
  return cut || "file";
}

const PURPOSE = /^[a-z0-9_-]{1,40}$/;

export function isValidPurpose(p: string): boolean {
  return PURPOSE.test(p);
}

/** An owner segment: a key's id (hex) or the local namespace; nothing a path could be made of. */
const OWNER = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * `<prefix><owner>/<purpose>/<uuid>/<filename>`: who uploaded it, its purpose and its name read
 * back from the name alone, so ids stay stateless and a file belongs to the API key that made it.
 */
export function objectNameFor(prefix: string, owner: string, purpose: string, filename: string): string {
  if (!OWNER.test(owner)) throw new Error(`invalid owner segment '${owner}'`);
  return `${prefix}${owner}/${purpose}/${crypto.randomUUID()}/${cleanFilename(filename)}`;
}

export interface DescribedObject {
  /** Undefined for names made before files had owners (`<prefix><purpose>/<uuid>/<filename>`). */
  owner?: string;
  purpose: string;
  filename: string;
}

export function describeObjectName(prefix: string, name: string): DescribedObject {
  const parts = name.slice(prefix.length).split("/");
  if (parts.length >= 4) return { owner: parts[0]!, purpose: parts[1]!, filename: parts.slice(3).join("/") };
  return parts.length === 3
    ? { purpose: parts[0]!, filename: parts[2]! }
    : { purpose: "user_data", filename: parts.at(-1) ?? name };
}

/**
 * Whether `owner` may use the object: its own files, and, in the one local namespace that exists
 * when no API key is configured, the files made before files had owners. A file of unknown
 * ownership is nobody's once keys are configured.
 */
export function ownsObject(prefix: string, name: string, owner: string, localOwner: string): boolean {
  const d = describeObjectName(prefix, name);
  return d.owner === undefined ? owner === localOwner : d.owner === owner;
}
