/**
 * Which OCI content type a file becomes, by its media type: OCI's GENERIC messages take IMAGE,
 * AUDIO, VIDEO and DOCUMENT parts, each as a data URL (docs/oci-wire.md#newer-generic-fields).
 * Documents are PDFs and text-like files (what Gemini on OCI reads); anything else (archives,
 * office files, executables) has no OCI content type and is refused by the caller.
 */
export type MediaKind = "IMAGE" | "AUDIO" | "VIDEO" | "DOCUMENT";

const DOCUMENT_TYPES = new Set([
  "application/pdf",
  "application/json",
  "application/xml",
  "application/rtf",
  "application/x-javascript",
  "application/x-python",
]);

export function mediaKindOf(mediaType: string): MediaKind | undefined {
  const t = mediaType.toLowerCase();
  if (t.startsWith("image/")) return "IMAGE";
  if (t.startsWith("audio/")) return "AUDIO";
  if (t.startsWith("video/")) return "VIDEO";
  if (t.startsWith("text/") || DOCUMENT_TYPES.has(t)) return "DOCUMENT";
  return undefined;
}

/**
 * The media type of a base64 data URL (`data:application/pdf;base64,…` → `application/pdf`), or
 * undefined when the string is not one. Reads the prefix only: data URLs run to megabytes.
 */
export function dataUrlMediaType(url: string): string | undefined {
  if (!url.startsWith("data:")) return undefined;
  const comma = url.indexOf(",", 5);
  if (comma < 0) return undefined;
  const header = url.slice(5, comma);
  const semi = header.indexOf(";");
  if (
    semi <= 0 ||
    !header
      .slice(semi + 1)
      .split(";")
      .includes("base64")
  )
    return undefined;
  const type = header.slice(0, semi);
  return type.includes("/") ? type : undefined;
}
