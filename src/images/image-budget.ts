import { ApiError } from "../errors/api-error";

/** The bytes a data URL (or bare base64) decodes to, without decoding it. */
export function decodedSize(data: string): number {
  const start = data.startsWith("data:") ? data.indexOf(",") + 1 : 0;
  return Math.floor((data.length - start) * 0.75);
}

/**
 * MAX_IMAGE_MB_PER_REQUEST passed: a 413 naming what added up (chat's images, files and audio;
 * a moderation's images) and the field that holds them.
 */
export function mediaTooLarge(limitBytes: number, what: string, param: string): ApiError {
  return new ApiError(
    413,
    `The ${what} of this request add up to more than ${Math.round(limitBytes / 1024 / 1024)} MB (every reference counted; MAX_IMAGE_MB_PER_REQUEST)`,
    { type: "invalid_request_error", param, code: "images_too_large" },
  );
}
