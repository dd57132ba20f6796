/**
 * File ids carry the object name itself (URL-safe base64), so no index is needed and an id works
 * on every instance and after restarts. Decoding is strict: an id that does not decode to a name
 * under the configured prefix is simply unknown (404), so a forged id can never reach another
 * object of the bucket.
 */
const ID = /^file-([A-Za-z0-9_-]{1,1400})$/;

export function encodeFileId(objectName: string): string {
  return `file-${Buffer.from(objectName, "utf8").toString("base64url")}`;
}

export function decodeFileId(id: string, prefix: string): string | undefined {
  const m = ID.exec(id);
  if (!m) return undefined;
  const bytes = Buffer.from(m[1]!, "base64url");
  // Round-trip check: rejects non-canonical encodings and invalid UTF-8 alike.
  const name = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  if (encodeFileId(name) !== id) return undefined;
  if (!name.startsWith(prefix) || name.length === prefix.length) return undefined;
  const rest = name.slice(prefix.length);
  if (rest.split("/").some((seg) => seg === "" || seg === "." || seg === "..")) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this refuses
  if (/[\u0000-\u001f\u007f\\]/.test(name)) return undefined;
  return name;
}
