import { expectRec, optString } from "../../oci/reply-shapes";
import type { ChatEvent } from "../types";
import { cohereToolCalls } from "./map-cohere-chat-response";
import { mapFinishReason } from "./map-finish-reason";
import { mapUsage } from "./map-usage";
import { BaseStreamMapper } from "./stream-mapper";
import { throwIfCohereError } from "./throw-if-cohere-error";

/**
 * COHERE stream events → the core's events. Text events are deltas; the final event (the one with
 * `finishReason`) repeats the whole text, which must not be sent again (only a tail the deltas
 * missed is). Tool calls arrive whole, each with its own index and a synthetic id. There is no
 * `[DONE]`: the finish event ends it.
 */
export class CohereStreamMapper extends BaseStreamMapper {
  private toolCallsSent = 0;
  private text = "";

  push(event: unknown): ChatEvent[] {
    const ev = expectRec(event, "stream event");
    if (this.finished) return [];
    const out: ChatEvent[] = [];
    // Some answers end with `finishReason: null` (a stop sequence hit); the final event is also
    // the one carrying the history or the usage.
    const isFinal =
      ev.finishReason != null || (ev.finishReason === null && (ev.chatHistory !== undefined || ev.usage !== undefined));
    const text = optString(ev.text);
    const fresh = !text ? "" : !isFinal ? text : text.startsWith(this.text) ? text.slice(this.text.length) : "";
    if (fresh) {
      this.text += fresh;
      out.push({ type: "text", choice: 0, text: fresh });
    }
    // The final event may repeat the calls already streamed; only new ones are sent.
    if (ev.toolCalls !== undefined && !(isFinal && this.toolCallsSent > 0)) {
      for (const c of cohereToolCalls(ev.toolCalls, this.toolCallsSent)) {
        out.push({
          type: "tool_call",
          choice: 0,
          index: this.toolCallsSent++,
          id: c.id,
          name: c.name,
          arguments: c.arguments,
        });
      }
    }
    if (isFinal) {
      throwIfCohereError(ev);
      this.finished = true;
      this.usage = mapUsage(ev.usage) ?? this.usage;
      out.push({ type: "finish", choice: 0, reason: mapFinishReason(ev.finishReason, this.toolCallsSent > 0) });
    }
    return out;
  }
}
