import { badRequest } from "../../errors/api-error";
import type { ChatMessage } from "../types";

/**
 * The text of a message for formats that take plain strings (Cohere v1, agents). Image parts are
 * refused here, naming the part, rather than silently dropped.
 */
export function messageText(content: ChatMessage["content"], param: string, why: string): string {
  if (content == null) return "";
  if (typeof content === "string") return content;
  return content
    .map((p, j) => {
      if (p.type !== "text") throw badRequest(`'${param}[${j}]': ${why}`, `${param}[${j}]`);
      return p.text;
    })
    .join("\n");
}
