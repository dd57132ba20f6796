import { badRequest } from "../../errors/api-error";
import type { ContentPart } from "../types";

/** An image given inline: OCI takes images only as base64 data URLs of an image type. */
export const IMAGE_DATA_URL = /^data:image\/[a-z0-9.+-]+;base64,/i;
export const HTTP_URL = /^https?:\/\//i;

/**
 * The URL and detail of an image part, as OCI takes them. File references and remote URLs are
 * turned into data URLs before translation (chat/materialize-images.ts).
 */
export function imagePartUrl(
  p: Extract<ContentPart, { type: "image_url" }>,
  param: string,
): { url: string; detail?: string } {
  const url = p.image_url.url;
  if (!IMAGE_DATA_URL.test(url) && !HTTP_URL.test(url)) {
    throw badRequest(
      `'${param}.image_url.url' must be a data:image/...;base64 URL, an http(s) URL or an uploaded file id`,
      `${param}.image_url.url`,
    );
  }
  return p.image_url.detail ? { url, detail: p.image_url.detail.toUpperCase() } : { url };
}
