import { ApiError, badRequest } from "../errors/api-error";
import type { FilesService } from "../files/files-service";
import { fetchRemoteImage, REMOTE_IMAGE_DEFAULTS } from "../images/fetch-remote-image";
import { decodedSize, mediaTooLarge } from "../images/image-budget";
import { mapBounded } from "../lib/map-bounded";
import type { CallOptions } from "../oci/transport";
import { unsupportedFileType } from "./formats/generic-user-content";
import { HTTP_URL, IMAGE_DATA_URL } from "./formats/image-part-url";
import { dataUrlMediaType, mediaKindOf } from "./formats/media-kind";
import { isToolMedia } from "./formats/message-text";
import type { ChatRequest, ContentPart } from "./types";

export interface ImageSources {
  files: FilesService;
  /** Region of the alias being called: uploaded files are read from there. */
  region: string;
  /** The caller's namespace: only its own uploaded files can be used. */
  owner: string;
  allowPrivateImageHosts: ReadonlySet<string>;
  /**
   * Media parts (images, audio, video, documents) one request may hold, and the decoded bytes it
   * may send to OCI (every reference counted).
   */
  maxImages: number;
  maxImageBytes: number;
}

/** Distinct images of one request fetched at once; the rest wait. */
const IMAGE_CONCURRENCY = 4;

type Part = ContentPart;

type Where = { m: number; p: number; param: string };

/** A source referenced once or many times: fetched once, its data URL reused at every place. */
interface Source {
  kind: "file" | "remote";
  key: string;
  param: string;
  places: Where[];
}

/**
 * Turns every image and file a chat message points at into a data URL before translation:
 * uploaded files (`image_url.url: "file-…"` or `{type: "file", file: {file_id}}`, the caller's own
 * only) are read from Object Storage, inline data is checked, and remote http(s) image URLs are
 * fetched by the safe fetcher (public addresses only, unless allowed). Each distinct file or URL
 * is fetched once. A file part may hold an image, audio, video or a document; an `image_url`
 * only an image. A request is budgeted before anything is fetched (a count of media parts:
 * images, files, `input_audio`) and while fetching (decoded bytes, each reference counted, since
 * each one goes to OCI): 400 or 413 past either. Messages without such parts come back untouched.
 */
export async function materializeImages(req: ChatRequest, src: ImageSources, opts: CallOptions): Promise<ChatRequest> {
  const { sources, inlineBytes } = checkMedia(req, src);
  let spent = inlineBytes;
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
    for (const where of s.places) {
      const parts = messages[where.m]!.content as Part[];
      parts[where.p] = resolved(parts[where.p]!, fetched[i]!, s.key, where.param);
    }
  });
  return { ...req, messages };
}

/**
 * The request's media parts checked as they are before anything is fetched: each one's form, how
 * many there are, the inline bytes. Pure: count_tokens runs it alone, so an estimate refuses what
 * `/v1/messages` would refuse before fetching. Returns what is left to fetch, each distinct
 * source once with every place that names it.
 */
export function checkMedia(
  req: ChatRequest,
  limits: Pick<ImageSources, "maxImages" | "maxImageBytes">,
): { sources: Map<string, Source>; inlineBytes: number } {
  const sources = new Map<string, Source>();
  let images = 0;
  let inlineBytes = 0;
  req.messages.forEach((msg, m) => {
    if (!Array.isArray(msg.content)) return;
    msg.content.forEach((part, p) => {
      const param = `messages[${m}].content[${p}]`;
      const ref = mediaRef(part, param);
      if (!ref) return;
      images++;
      if (ref.kind === "inline") {
        inlineBytes += decodedSize(ref.key);
        return;
      }
      const id = `${ref.kind}:${ref.key}`;
      const s = sources.get(id) ?? { kind: ref.kind, key: ref.key, param: ref.param, places: [] };
      s.places.push({ m, p, param });
      sources.set(id, s);
    });
  });
  if (images > limits.maxImages) {
    throw badRequest(
      `This request holds ${images} images, files and audio parts; at most ${limits.maxImages} are allowed per request (MAX_IMAGES_PER_REQUEST)`,
      "messages",
      "too_many_images",
    );
  }
  if (inlineBytes > limits.maxImageBytes) throw tooMuchImage(limits.maxImageBytes);
  return { sources, inlineBytes };
}

/**
 * The part a fetched source becomes at one place: an image stays an `image_url` part (keeping its
 * detail); any other file a `file` part with inline data, which the formats turn into audio,
 * video or document content. An `image_url` naming a file that is not an image is refused.
 */
function resolved(old: Part, dataUrl: string, id: string, param: string): Part {
  const part = resolvedPart(old, dataUrl, id, param);
  return isToolMedia(old) && part.type !== "text" ? ({ ...part, from_tool: true } as Part) : part;
}

function resolvedPart(old: Part, dataUrl: string, id: string, param: string): Part {
  const type = dataUrlMediaType(dataUrl) ?? "application/octet-stream";
  if (old.type === "image_url") {
    if (!type.startsWith("image/"))
      throw badRequest(
        `'${param}.image_url.url': file '${id}' is ${type}, not an image (send other files as a 'file' part)`,
        `${param}.image_url.url`,
      );
    const detail = old.image_url.detail;
    return { type: "image_url", image_url: detail ? { url: dataUrl, detail } : { url: dataUrl } };
  }
  const kind = mediaKindOf(type);
  if (!kind) throw unsupportedFileType(type, param);
  if (kind === "IMAGE") return { type: "image_url", image_url: { url: dataUrl } };
  const filename = old.type === "file" ? old.file.filename : undefined;
  return { type: "file", file: filename ? { file_data: dataUrl, filename } : { file_data: dataUrl } };
}

type Ref = { kind: "file" | "remote" | "inline"; key: string; param: string };

/** What a media part points at; undefined for text. */
function mediaRef(part: Part, param: string): Ref | undefined {
  switch (part.type) {
    case "image_url": {
      const url = part.image_url.url;
      if (IMAGE_DATA_URL.test(url)) return { kind: "inline", key: url, param: `${param}.image_url.url` };
      if (url.startsWith("file-")) return { kind: "file", key: url, param: `${param}.image_url.url` };
      if (HTTP_URL.test(url)) return { kind: "remote", key: url, param: `${param}.image_url.url` };
      throw badRequest(
        `'${param}.image_url.url' must be a data:image/...;base64 URL, an http(s) URL or an uploaded file id`,
        `${param}.image_url.url`,
      );
    }
    case "file": {
      if (part.file.file_id) return { kind: "file", key: part.file.file_id, param: `${param}.file.file_id` };
      const data = part.file.file_data;
      if (data === undefined)
        throw badRequest(
          `'${param}.file' must carry 'file_data' or the 'file_id' of an uploaded file`,
          `${param}.file`,
        );
      if (dataUrlMediaType(data) === undefined)
        throw badRequest(
          `'${param}.file.file_data' must be a base64 data URL (data:<media type>;base64,…)`,
          `${param}.file.file_data`,
        );
      return { kind: "inline", key: data, param: `${param}.file.file_data` };
    }
    case "input_audio":
      return { kind: "inline", key: part.input_audio.data, param: `${param}.input_audio.data` };
    default:
      return undefined;
  }
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
  const { bytes, contentType } = await src.files
    .bytes({ region: src.region, owner: src.owner }, s.key, opts, {
      maxBytes: cap,
      tooLarge: () => tooMuchImage(src.maxImageBytes),
    })
    .catch((e: unknown) => {
      // The files service names its own field (`file_id`); the client's is where the id stands.
      if (e instanceof ApiError && e.code === "file_not_found") {
        throw new ApiError(e.status, e.message, { type: e.type, code: e.code, param: s.param });
      }
      throw e;
    });
  // A stored type may carry parameters (`text/plain; charset=utf-8`); a data URL names the type alone.
  const type = contentType.split(";", 1)[0]!.trim() || "application/octet-stream";
  return `data:${type};base64,${Buffer.from(bytes).toString("base64")}`;
}

/** Bytes a data URL or bare base64 (`input_audio`) decodes to, read from its length alone. */
/** MAX_IMAGE_MB_PER_REQUEST passed by a chat request's media. */
const tooMuchImage = (limit: number) => mediaTooLarge(limit, "images, files and audio", "messages");
