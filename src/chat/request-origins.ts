import { ApiError } from "../errors/api-error";
import type { ChatRequest } from "./types";

/** A place in the chat core's request: a message, and in it a part or a tool call. */
const CORE_PLACE = /^messages\[(\d+)\](?:\.(content|tool_calls)\[(\d+)\])?/;
/** Every core path an error message quotes, with whatever follows it (`.file.file_id`). */
const CORE_PATHS = /messages\[\d+\](?:\.[A-Za-z_]\w*(?:\[\d+\])?)*/g;

/**
 * Where the messages, parts and tool calls of a chat-core request came from in the request an
 * adapter (Responses, Messages) was sent. The core checks and converts its own request, so its
 * 400s name places the client never wrote (`messages[2].content[1].file.file_id`, shifted by the
 * instructions, a document's title or tool results turned into messages); `rename` makes such an
 * error name the client's item or block instead (`input[0].content[1]`). Objects are noted as the
 * adapter makes them, so merges and reorderings keep their origin.
 */
export class RequestOrigins {
  /**
   * One that notes nothing, for the conversion every request makes: the places are only needed
   * for a 400, and noting them cost a large request ~7 µs; `renamed` converts again to learn them.
   */
  static readonly SILENT = new RequestOrigins("", false);

  private readonly from: WeakMap<object, string> | undefined;

  /** `whole`: the client's list of turns (`input`, `messages`), for what names all of them. */
  constructor(
    private readonly whole: string,
    noting = true,
  ) {
    this.from = noting ? new WeakMap() : undefined;
  }

  /**
   * `e` as the client's request names it, learning the places by converting the request again
   * (a pure conversion gives the same request) — only for a 400 naming the core's messages.
   */
  static renamed(e: unknown, convertNoting: () => { request: ChatRequest; origins: RequestOrigins }): unknown {
    if (!(e instanceof ApiError) || !e.param?.startsWith("messages")) return e;
    const { request, origins } = convertNoting();
    return origins.rename(request, e);
  }

  /** Notes that `x` came from the client's `path`; returns `x`. */
  at<T extends object>(x: T, path: string): T {
    this.from?.set(x, path);
    return x;
  }

  /** `e` as the client's request names it; anything but a 400 about the core's messages as is. */
  rename(request: ChatRequest, e: unknown): unknown {
    if (!(e instanceof ApiError) || !e.param?.startsWith("messages")) return e;
    const place = (path: string) => this.place(request, path);
    return new ApiError(e.status, e.message.replace(CORE_PATHS, place), {
      type: e.type,
      code: e.code,
      param: place(e.param),
      headers: e.headers,
      suggestion: e.suggestion,
      details: e.details,
      ociRequestId: e.ociRequestId,
    });
  }

  /**
   * The client's place for a core path: the part's or the call's if it was noted, else its
   * message's, else the whole list. What follows in the core path (`.image_url.url`) is the core's
   * shape, not the client's, so it is left out.
   */
  private place(request: ChatRequest, path: string): string {
    const m = CORE_PLACE.exec(path);
    if (!m) return this.whole;
    const message = request.messages[Number(m[1])];
    if (!message) return this.whole;
    const index = Number(m[3]);
    const inner =
      m[2] === "content"
        ? Array.isArray(message.content)
          ? message.content[index]
          : undefined
        : m[2] === "tool_calls"
          ? message.tool_calls?.[index]
          : undefined;
    return (inner && this.from?.get(inner)) ?? this.from?.get(message) ?? this.whole;
  }
}
