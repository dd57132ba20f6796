import { HTTP_URL } from "../../chat/formats/image-part-url";
import type { ContentPart } from "../../chat/types";
import { badRequest, missingParam } from "../../errors/api-error";

type Json = Record<string, unknown>;

const isRec = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

const IMAGE_TYPE = /^image\/[a-z0-9.+-]+$/i;

/** An image block: base64 data becomes a data URL; a URL goes through the same guard as chat's. */
export function imagePart(b: Json, param: string): ContentPart {
  const source = b.source;
  if (!isRec(source)) throw missingParam(`${param}.source`);
  switch (source.type) {
    case "base64": {
      const mediaType = str(source.media_type);
      const data = str(source.data);
      if (!mediaType || !data) throw badRequest(`'${param}.source' needs 'media_type' and 'data'`, `${param}.source`);
      // Checked here so the error names the client's block, not the chat core's image part.
      if (!IMAGE_TYPE.test(mediaType))
        throw badRequest(
          `'${param}.source.media_type' must be an image type (image/jpeg, image/png, image/gif, image/webp…), got '${mediaType}'`,
          `${param}.source.media_type`,
        );
      return { type: "image_url", image_url: { url: `data:${mediaType};base64,${data}` } };
    }
    case "url": {
      const url = str(source.url);
      if (!url) throw missingParam(`${param}.source.url`);
      if (!HTTP_URL.test(url)) throw badRequest(`'${param}.source.url' must be an http(s) URL`, `${param}.source.url`);
      return { type: "image_url", image_url: { url } };
    }
    case "file": {
      // A file uploaded to this gateway (POST /v1/files), the caller's own.
      const id = str(source.file_id);
      if (!id) throw missingParam(`${param}.source.file_id`);
      return { type: "image_url", image_url: { url: id } };
    }
    default:
      throw badRequest(
        `'${param}.source.type' must be base64, url or file, got '${String(source.type)}'`,
        `${param}.source.type`,
      );
  }
}

/**
 * A document block. A base64 file (a PDF, or any type OCI reads) and an uploaded file become a
 * file part, which GENERIC models get as document content (or audio, video, image by its type);
 * plain-text and content sources become text (and images), which every model reads. `title` and
 * `context`, which Anthropic shows the model, lead as a text part.
 */
export function documentParts(b: Json, param: string): ContentPart[] {
  const source = b.source;
  if (!isRec(source)) throw missingParam(`${param}.source`);
  const out: ContentPart[] = [];
  const about = [str(b.title), str(b.context)].filter(Boolean).join("\n");
  if (about) out.push({ type: "text", text: about });
  switch (source.type) {
    case "base64": {
      const mediaType = str(source.media_type);
      const data = str(source.data);
      if (!mediaType || !data) throw badRequest(`'${param}.source' needs 'media_type' and 'data'`, `${param}.source`);
      out.push({ type: "file", file: { file_data: `data:${mediaType};base64,${data}` } });
      return out;
    }
    case "text": {
      const data = str(source.data);
      if (data === undefined) throw badRequest(`'${param}.source.data' must be a string`, `${param}.source.data`);
      out.push({ type: "text", text: data });
      return out;
    }
    case "content": {
      const c = source.content;
      if (typeof c === "string") {
        out.push({ type: "text", text: c });
        return out;
      }
      if (!Array.isArray(c))
        throw badRequest(`'${param}.source.content' must be a string or a list of blocks`, `${param}.source.content`);
      c.forEach((x, k) => {
        const p = `${param}.source.content[${k}]`;
        if (isRec(x) && x.type === "text" && typeof x.text === "string") out.push({ type: "text", text: x.text });
        else if (isRec(x) && x.type === "image") out.push(imagePart(x, p));
        else throw badRequest(`'${p}': a document's content holds text and image blocks`, p);
      });
      return out;
    }
    case "file": {
      // A file uploaded to this gateway (POST /v1/files), the caller's own.
      const id = str(source.file_id);
      if (!id) throw missingParam(`${param}.source.file_id`);
      out.push({ type: "file", file: { file_id: id } });
      return out;
    }
    case "url":
      throw badRequest(
        `'${param}.source': this gateway does not fetch documents by URL; send the document as base64, or upload it (POST /v1/files) and use a file source`,
        `${param}.source.type`,
        "unsupported_content",
      );
    default:
      throw badRequest(
        `'${param}.source.type' must be base64, text, content or file for a document, got '${String(source.type)}'`,
        `${param}.source.type`,
      );
  }
}
