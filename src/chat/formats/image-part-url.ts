import { badRequest } from "../../errors/api-error";
import type { ContentPart } from "../types";

/**
 * The URL and detail of an image part, as OCI takes them. File references and remote URLs are
 * turned into data URLs before translation (services/materialize-images.ts); a file part that is
 * still here was not resolved and is refused.
 */
export function imagePartUrl(
  p: Exclude<ContentPart, { type: "text" }>,
  param: string,
): { url: string; detail?: string } {
  if (p.type === "file")
    throw badRequest(
      `'${param}': file parts must name an uploaded image ('file_id') or carry image data ('file_data')`,
      param,
    );
  const url = p.image_url.url;
  if (!/^data:image\/[a-z0-9.+-]+;base64,/i.test(url) && !/^https?:\/\//i.test(url)) {
    throw badRequest(
      `'${param}.image_url.url' must be a data:image/...;base64 URL, an http(s) URL or an uploaded file id`,
      `${param}.image_url.url`,
    );
  }
  return p.image_url.detail ? { url, detail: p.image_url.detail.toUpperCase() } : { url };
}
