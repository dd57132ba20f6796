import { badRequest } from "../../errors/api-error";
import type { ImageDetail, OciChatContent } from "../../oci/wire";
import type { ContentPart } from "../types";
import { imagePartUrl } from "./image-part-url";
import { dataUrlMediaType, type MediaKind, mediaKindOf } from "./media-kind";

/** OCI's content part for each kind, and the member its URL goes in. */
const URL_MEMBER: Record<MediaKind, string> = {
  IMAGE: "imageUrl",
  AUDIO: "audioUrl",
  VIDEO: "videoUrl",
  DOCUMENT: "documentUrl",
};

/**
 * A user message's parts as GENERIC content: text, images, audio (`input_audio`, or a file of an
 * audio type), video and documents (a `file` part by its media type). Which models take audio,
 * video or documents is OCI's to say: they are sent as they are and OCI's 400 reaches the client
 * (docs/api/openai.md#messages). Pure; a part OCI has no type for is a 400 naming it.
 */
export function genericUserPart(p: ContentPart, param: string): OciChatContent {
  switch (p.type) {
    case "text":
      return { type: "TEXT", text: p.text } as OciChatContent;
    case "image_url":
      return {
        type: "IMAGE",
        imageUrl: imagePartUrl(p, param) as { url: string; detail?: ImageDetail },
      } as OciChatContent;
    case "input_audio":
      return media("AUDIO", audioDataUrl(p.input_audio, `${param}.input_audio`));
    case "file":
      return filePart(p.file, param);
    default: {
      const never: never = p;
      throw badRequest(`Unsupported content part ${JSON.stringify(never)}`, param);
    }
  }
}

function media(kind: MediaKind, url: string): OciChatContent {
  return { type: kind, [URL_MEMBER[kind]]: { url } } as unknown as OciChatContent;
}

/** OpenAI's audio formats; others go as a `file` part with their own media type. */
const AUDIO_FORMATS = new Set(["wav", "mp3"]);

/** OpenAI's `input_audio` is bare base64 with a format; OCI wants a data URL like its images. */
function audioDataUrl(a: { data: string; format: string }, param: string): string {
  if (!AUDIO_FORMATS.has(a.format))
    throw badRequest(
      `Invalid value for '${param}.format': expected wav or mp3, got '${a.format}' (send other audio as a 'file' part)`,
      `${param}.format`,
      "invalid_value",
    );
  if (a.data.startsWith("data:"))
    throw badRequest(`'${param}.data' must be base64 audio data, not a data URL`, `${param}.data`);
  return `data:audio/${a.format};base64,${a.data}`;
}

/**
 * A file part reaches translation as inline data: uploaded files were read into data URLs before
 * (chat/materialize-images.ts), so an id still here was never resolved.
 */
function filePart(f: { file_id?: string; file_data?: string }, param: string): OciChatContent {
  const data = f.file_data;
  if (data === undefined)
    throw badRequest(`'${param}.file' must carry 'file_data' or the 'file_id' of an uploaded file`, `${param}.file`);
  const type = dataUrlMediaType(data);
  if (type === undefined)
    throw badRequest(
      `'${param}.file.file_data' must be a base64 data URL (data:<media type>;base64,…)`,
      `${param}.file.file_data`,
    );
  const kind = mediaKindOf(type);
  if (!kind) throw unsupportedFileType(type, param);
  return media(kind, data);
}

export function unsupportedFileType(type: string, param: string) {
  return badRequest(
    `'${param}': a file of type '${type}' is not something OCI chat models read (images, audio, video, PDF and text documents)`,
    param,
    "unsupported_file_type",
  );
}
