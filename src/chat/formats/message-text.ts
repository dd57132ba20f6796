import { badRequest } from "../../errors/api-error";
import type { ChatMessage, ChatRequest, ContentPart } from "../types";

/**
 * The text of a message for formats that take plain strings (Cohere v1, agents). Image parts are
 * refused here, naming the part, rather than silently dropped — but for media a tool returned,
 * which become a note (`toolMediaNote`).
 */
export function messageText(content: ChatMessage["content"], param: string, why: string): string {
  if (content == null) return "";
  if (typeof content === "string") return content;
  return content
    .map((p, j) => {
      if (p.type === "text") return p.text;
      if (isToolMedia(p)) return toolMediaNote(p);
      throw badRequest(`'${param}[${j}]': ${why}`, `${param}[${j}]`);
    })
    .join("\n");
}

/** An image or file a tool returned (chat/types.ts, ToolMedia). */
export function isToolMedia(p: ContentPart): p is Extract<ContentPart, { type: "image_url" | "file" }> {
  return (p.type === "image_url" || p.type === "file") && p.from_tool === true;
}

/** What a model that cannot see a tool's image or file is told in its place. */
export function toolMediaNote(p: { type: "image_url" | "file" }): string {
  return `[${p.type === "image_url" ? "an image" : "a file"} the tool returned, which this model cannot read]`;
}

/**
 * The request with the images and files tools returned turned into notes, for a model known to
 * read text only: nothing is fetched or counted for them (a coding agent resends every one each
 * turn, and a long session would pass MAX_IMAGES_PER_REQUEST for pictures the model never sees).
 * The same request when there are none.
 */
export function toolMediaAsNotes(req: ChatRequest): ChatRequest {
  const shown = (m: ChatMessage) => Array.isArray(m.content) && m.content.some(isToolMedia);
  if (!req.messages.some(shown)) return req;
  return {
    ...req,
    messages: req.messages.map((m) =>
      shown(m)
        ? {
            ...m,
            content: (m.content as ContentPart[]).map((p) =>
              isToolMedia(p) ? { type: "text", text: toolMediaNote(p) } : p,
            ),
          }
        : m,
    ),
  };
}
