/**
 * The media type a file's first bytes show, for the kinds a model reads (documents, images,
 * audio, video). Uploads need it: Bun's multipart parser drops the type a client declares for a
 * part and guesses one from the file name, so a PDF named `report` came out as
 * `application/octet-stream`, and PNG bytes named `a.txt` as `text/plain`.
 *
 * `strong` signatures (PDF, PNG, JPEG, GIF, WebP, WAV, ISO media brands) cannot be the start of a
 * text file; `weak` ones (an MP3 frame or ID3 tag) can — a UTF-16 byte-order mark is an MP3
 * frame's first bits, "ID3," a CSV header — so they only name a file the name did not.
 */
export function sniffType(b: Uint8Array): { type: string; strong: boolean } | undefined {
  const at = (offset: number, text: string) => {
    if (b.length < offset + text.length) return false;
    for (let i = 0; i < text.length; i++) if (b[offset + i] !== text.charCodeAt(i)) return false;
    return true;
  };
  const strong = (type: string) => ({ type, strong: true });
  if (at(0, "%PDF-")) return strong("application/pdf");
  if (at(0, "\x89PNG\r\n\x1a\n")) return strong("image/png");
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return strong("image/jpeg");
  if (at(0, "GIF87a") || at(0, "GIF89a")) return strong("image/gif");
  if (at(0, "RIFF") && at(8, "WEBP")) return strong("image/webp");
  if (at(0, "RIFF") && at(8, "WAVE")) return strong("audio/wav");
  if (at(4, "ftyp")) {
    const brand = String.fromCharCode(...b.subarray(8, 12));
    const type = ISO_BRANDS[brand];
    return type ? strong(type) : undefined;
  }
  const bom = b[0] === 0xff && b[1] === 0xfe;
  if (at(0, "ID3") && b[3]! >= 2 && b[3]! <= 4 && b[4] !== 0xff) return { type: "audio/mpeg", strong: false };
  if (!bom && b.length >= 2 && b[0] === 0xff && (b[1]! & 0xe0) === 0xe0) return { type: "audio/mpeg", strong: false };
  return undefined;
}

/** ISO base media files by their major brand: images (HEIC, AVIF) are not videos. */
const ISO_BRANDS: Record<string, string> = {
  heic: "image/heic",
  heix: "image/heic",
  mif1: "image/heic",
  avif: "image/avif",
  "M4A ": "audio/mp4",
  isom: "video/mp4",
  iso2: "video/mp4",
  mp41: "video/mp4",
  mp42: "video/mp4",
  avc1: "video/mp4",
  "qt  ": "video/quicktime",
};
