import { badRequest } from "../errors/api-error";
import type { FilesService } from "../files/files-service";
import { fetchRemoteImage } from "../images/fetch-remote-image";
import { mapBounded } from "../lib/map-bounded";
import type { CallOptions } from "../oci/transport";
import type { ChatRequest, ContentPart } from "./types";

export interface ImageSources {
  files: FilesService;
  /** Region of the alias being called: uploaded files are read from there. */
  region: string;
  allowPrivateImageHosts: ReadonlySet<string>;
}

/** Images of one request fetched at once; the rest wait. */
const IMAGE_CONCURRENCY = 4;

type Part = ContentPart;

/**
 * Turns every image a chat message points at into a data URL before translation: uploaded files
 * (`image_url.url: "file-…"` or `{type: "file", file: {file_id}}`) are read from Object Storage,
 * inline `file_data` is checked, and remote http(s) URLs are fetched by the safe fetcher (public
 * addresses only, unless allowed). Messages without such parts come back untouched.
 */
export async function materializeImages(req: ChatRequest, src: ImageSources, opts: CallOptions): Promise<ChatRequest> {
  const jobs: Array<{ m: number; p: number; part: Part }> = [];
  req.messages.forEach((msg, m) => {
    if (!Array.isArray(msg.content)) return;
    msg.content.forEach((part, p) => {
      if (part.type === "file" || (part.type === "image_url" && !part.image_url.url.startsWith("data:")))
        jobs.push({ m, p, part });
    });
  });
  if (jobs.length === 0) return req;
  const resolved = await mapBounded(jobs, IMAGE_CONCURRENCY, opts.signal, (job, _i, signal) =>
    resolvePart(job.part, `messages[${job.m}].content[${job.p}]`, src, { ...opts, signal }),
  );
  const messages = req.messages.map((msg) => ({
    ...msg,
    content: Array.isArray(msg.content) ? [...msg.content] : msg.content,
  }));
  jobs.forEach((job, i) => {
    (messages[job.m]!.content as Part[])[job.p] = resolved[i]!;
  });
  return { ...req, messages };
}

async function resolvePart(part: Part, param: string, src: ImageSources, opts: CallOptions): Promise<Part> {
  const detail = part.type === "image_url" ? part.image_url.detail : undefined;
  const image = (url: string): Part => ({ type: "image_url", image_url: detail ? { url, detail } : { url } });
  if (part.type === "image_url") {
    const url = part.image_url.url;
    if (url.startsWith("file-")) return image(await fileAsDataUrl(url, `${param}.image_url.url`, src, opts));
    if (/^https?:\/\//i.test(url)) {
      const remote = await fetchRemoteImage(url, {
        allowHosts: src.allowPrivateImageHosts,
        signal: opts.signal,
        param: `${param}.image_url.url`,
      });
      return image(remote.dataUrl);
    }
    throw badRequest(
      `'${param}.image_url.url' must be a data:image/...;base64 URL, an http(s) URL or an uploaded file id`,
      `${param}.image_url.url`,
    );
  }
  if (part.type === "file") {
    if (part.file.file_id) return image(await fileAsDataUrl(part.file.file_id, `${param}.file.file_id`, src, opts));
    const data = part.file.file_data ?? "";
    if (/^data:image\/[a-z0-9.+-]+;base64,/i.test(data)) return image(data);
    throw badRequest(
      `'${param}.file': this gateway passes images only to OCI models; the file is not an image`,
      `${param}.file`,
    );
  }
  return part;
}

async function fileAsDataUrl(id: string, param: string, src: ImageSources, opts: CallOptions): Promise<string> {
  const { bytes, contentType } = await src.files.bytes(src.region, id, opts);
  if (!contentType.startsWith("image/")) {
    throw badRequest(`'${param}': file '${id}' is ${contentType}; OCI chat models here take images only`, param);
  }
  return `data:${contentType};base64,${Buffer.from(bytes).toString("base64")}`;
}
