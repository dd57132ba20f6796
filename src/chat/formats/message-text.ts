import { badRequest } from "../../errors/api-error";
import type { ChatMessage } from "../types";

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
      if (p.type !== "input_audio" && p.from_tool) return toolMediaNote(p);
      throw badRequest(`'${param}[${j}]': ${why}`, `${param}[${j}]`);
    })
    .join("\n");
}

/** What a model that cannot see a tool's image or file is told in its place. */
export function toolMediaNote(p: { type: "image_url" | "file" }): string {
  return `[${p.type === "image_url" ? "an image" : "a file"} the tool returned, which this model cannot read]`;
}
