import { sha256Hex } from "../lib/sha256";

/**
 * A file the gateway serves from memory (the API reference page and its assets), answered with a
 * validator (ETag), gzip when the client takes it, and the cache policy the caller chooses.
 */
export class StaticFile {
  /** Weak: the gzip and identity forms of the file share it, as they are the same content. */
  readonly etag: string;
  /** Hex digest of the bytes: goes into asset URLs, so a new version is a new URL. */
  readonly version: string;
  private gzipped?: Promise<Uint8Array<ArrayBuffer>>;

  constructor(
    readonly bytes: Uint8Array<ArrayBuffer>,
    readonly type: string,
  ) {
    this.version = sha256Hex(bytes).slice(0, 16);
    this.etag = `W/"${this.version}"`;
  }

  /**
   * Compressed once, for the first client that accepts gzip, on zlib's worker threads: the 1.7 MB
   * bundle takes some 40 ms, which would otherwise stall every other request. Images are compressed
   * already. node:zlib is loaded here, not at start-up.
   */
  gzip(): Promise<Uint8Array<ArrayBuffer> | undefined> {
    if (!/^text\/|^application\/json/.test(this.type)) return Promise.resolve(undefined);
    this.gzipped ??= import("node:zlib").then(
      ({ gzip }) =>
        new Promise((done, fail) => gzip(this.bytes, (e, out) => (e ? fail(e) : done(new Uint8Array(out))))),
    );
    return this.gzipped;
  }

  async respond(request: Request, headers: Record<string, string>): Promise<Response> {
    const h = new Headers({
      "content-type": this.type,
      etag: this.etag,
      vary: "accept-encoding",
      "x-content-type-options": "nosniff",
      ...headers,
    });
    if (matches(request.headers.get("if-none-match"), this.version))
      return new Response(null, { status: 304, headers: h });
    const gz = acceptsGzip(request.headers.get("accept-encoding")) ? await this.gzip() : undefined;
    if (gz) h.set("content-encoding", "gzip");
    return new Response(gz ?? this.bytes, { headers: h });
  }
}

/** If-None-Match holds our tag (weakly compared: with or without W/) or `*`. */
function matches(ifNoneMatch: string | null, version: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((t) => {
    const tag = t.trim();
    return tag === "*" || tag.replace(/^W\//, "") === `"${version}"`;
  });
}

/** `gzip` is listed without `q=0` (a zero quality refuses it). */
export function acceptsGzip(acceptEncoding: string | null): boolean {
  if (!acceptEncoding) return false;
  return acceptEncoding.split(",").some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    if (coding?.trim() !== "gzip") return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
