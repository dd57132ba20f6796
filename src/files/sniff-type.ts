/**
 * The media type a file's first bytes show, for the kinds a model reads (documents, images,
 * audio, video); undefined for anything else. Uploads need it: Bun's multipart parser drops the
 * type a client declares for a part and guesses one from the file name, so a PDF named `report`
 * came out as `application/octet-stream`, and PNG bytes named `a.txt` as `text/plain`.
 */
export function sniffType(b: Uint8Array): string | undefined {
  const at = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) if (b[offset + i] !== text.charCodeAt(i)) return false;
    return b.length >= offset + text.length;
  };
  if (at(0, "%PDF-")) return "application/pdf";
  if (at(0, "\x89PNG\r\n\x1a\n")) return "image/png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (at(0, "GIF87a") || at(0, "GIF89a")) return "image/gif";
  if (at(0, "RIFF") && at(8, "WEBP")) return "image/webp";
  if (at(0, "RIFF") && at(8, "WAVE")) return "audio/wav";
  if (at(0, "ID3") || (b.length >= 2 && b[0] === 0xff && (b[1]! & 0xe0) === 0xe0)) return "audio/mpeg";
  if (at(4, "ftyp")) return at(8, "M4A ") ? "audio/mp4" : "video/mp4";
  return undefined;
}
