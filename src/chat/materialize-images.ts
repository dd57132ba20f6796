import { ApiError, badRequest } from "../errors/api-error";
import type { FilesService } from "../files/files-service";
import { fetchRemoteImage, REMOTE_IMAGE_DEFAULTS } from "../images/fetch-remote-image";
import { mapBounded } from "../lib/map-bounded";
import type { CallOptions } from "../oci/transport";
import type { ChatRequest, ContentPart } from "./types";

export interface ImageSources {
  files: FilesService;
  /** Region of the alias being called: uploaded files are read from there. */
  region: string;
  /** The caller's namespace: only its own uploaded files can be used. */
  owner: string;
  allowPrivateImageHosts: ReadonlySet<string>;
  /** Image parts one request may hold, and the decoded bytes it may send to OCI (every reference counted). */
  maxImages: number;
  maxImageBytes: number;
}

/** Distinct images of one request fetched at once; the rest wait. */
const IMAGE_CONCURRENCY = 4;

type Part = ContentPart;
type Where = { m: number; p: number };

/** A source referenced once or many times: fetched once, its data URL reused at every place. */
interface Source {
  kind: "file" | "remote";
  key: string;
  param: string;
  places: Where[];
}

/**
 * Turns every image a chat message points at into a data URL before translation: uploaded files
 * (`image_url.url: "file-…"` or `{type: "file", file: {file_id}}`, the caller's own only) are read
 * from Object Storage, inline `file_data` is checked, and remote http(s) URLs are fetched by the
 * safe fetcher (public addresses only, unless allowed). Each distinct file or URL is fetched once.
 * A request is budgeted before anything is fetched (a count of image parts) and while fetching
 * (decoded bytes, each reference counted, since each one goes to OCI): 400 or 413 past either.
 * Messages without such parts come back untouched.
 */
export async function materializeImages(req: ChatRequest, src: ImageSources, opts: CallOptions): Promise<ChatRequest> {
  const sources = new Map<string, Source>();
  let images = 0;
  let inlineBytes = 0;
  req.messages.forEach((msg, m) => {
    if (!Array.isArray(msg.content)) return;
    msg.content.forEach((part, p) => {
      const param = `messages[${m}].content[${p}]`;
      const ref = imageRef(part, param);
      if (!ref) return;
      images++;
      if (ref.kind === "inline") {
        inlineBytes += Math.floor((ref.key.length - ref.key.indexOf(",") - 1) * 0.75);
        return;
      }
      const id = `${ref.kind}:${ref.key}`;
      const s = sources.get(id) ?? { kind: ref.kind, key: ref.key, param: ref.param, places: [] };
      s.places.push({ m, p });
      sources.set(id, s);
    });
  });
  if (images > src.maxImages) {
    throw badRequest(
      `This request holds ${images} images; at most ${src.maxImages} are allowed per request (MAX_IMAGES_PER_REQUEST)`,
      "messages",
      "too_many_images",
    );
  }
  let spent = inlineBytes;
  if (spent > src.maxImageBytes) throw tooMuchImage(src.maxImageBytes);
  if (sources.size === 0) return req;

  const distinct = [...sources.values()];
  const fetched = await mapBounded(distinct, IMAGE_CONCURRENCY, opts.signal, async (s, _i, signal) => {
    const refs = s.places.length;
    // What this source may weigh, every reference counted, given what is already spent.
    const cap = Math.floor((src.maxImageBytes - spent) / refs);
    if (cap <= 0) throw tooMuchImage(src.maxImageBytes);
    const dataUrl = await load(s, src, { ...opts, signal }, cap);
    spent += decodedSize(dataUrl) * refs;
    if (spent > src.maxImageBytes) throw tooMuchImage(src.maxImageBytes);
    return dataUrl;
  });

  const messages = req.messages.map((msg) => ({
    ...msg,
    content: Array.isArray(msg.content) ? [...msg.content] : msg.content,
  }));
  distinct.forEach((s, i) => {
    for (const { m, p } of s.places) {
      const parts = messages[m]!.content as Part[];
      const old = parts[p]!;
      const detail = old.type === "image_url" ? old.image_url.detail : undefined;
      parts[p] = { type: "image_url", image_url: detail ? { url: fetched[i]!, detail } : { url: fetched[i]! } };
    }
  });
  return { ...req, messages };
}

type Ref = { kind: "file" | "remote" | "inline"; key: string; param: string };

/** What an image part points at; undefined for parts that are not images. */
function imageRef(part: Part, param: string): Ref | undefined {
  if (part.type === "image_url") {
    const url = part.image_url.url;
    if (url.startsWith("data:")) return { kind: "inline", key: url, param: `${param}.image_url.url` };
    if (url.startsWith("file-")) return { kind: "file", key: url, param: `${param}.image_url.url` };
    if (/^https?:\/\//i.test(url)) return { kind: "remote", key: url, param: `${param}.image_url.url` };
    throw badRequest(
      `'${param}.image_url.url' must be a data:image/...;base64 URL, an http(s) URL or an uploaded file id`,
      `${param}.image_url.url`,
    );
  }
  if (part.type === "file") {
    if (part.file.file_id) return { kind: "file", key: part.file.file_id, param: `${param}.file.file_id` };
    const data = part.file.file_data ?? "";
    if (/^data:image\/[a-z0-9.+-]+;base64,/i.test(data)) return { kind: "inline", key: data, param: `${param}.file` };
    throw badRequest(
      `'${param}.file': this gateway passes images only to OCI models; the file is not an image`,
      `${param}.file`,
    );
  }
  return undefined;
}

async function load(s: Source, src: ImageSources, opts: CallOptions, cap: number): Promise<string> {
  if (s.kind === "remote") {
    const maxBytes = Math.min(REMOTE_IMAGE_DEFAULTS.maxBytes, cap);
    const remote = await fetchRemoteImage(s.key, {
      allowHosts: src.allowPrivateImageHosts,
      signal: opts.signal,
      param: s.param,
      maxBytes,
    });
    return remote.dataUrl;
  }
  const { bytes, contentType } = await src.files.bytes({ region: src.region, owner: src.owner }, s.key, opts, {
    maxBytes: cap,
    tooLarge: () => tooMuchImage(src.maxImageBytes),
  });
  if (!contentType.startsWith("image/")) {
    throw badRequest(`'${s.param}': file '${s.key}' is ${contentType}; OCI chat models here take images only`, s.param);
  }
  return `data:${contentType};base64,${Buffer.from(bytes).toString("base64")}`;
}

function decodedSize(dataUrl: string): number {
  return Math.floor((dataUrl.length - dataUrl.indexOf(",") - 1) * 0.75);
}

function tooMuchImage(limit: number): ApiError {
  return new ApiError(
    413,
    `The images of this request add up to more than ${Math.round(limit / 1024 / 1024)} MB (every reference counted; MAX_IMAGE_MB_PER_REQUEST)`,
    { type: "invalid_request_error", param: "messages", code: "images_too_large" },
  );
}
