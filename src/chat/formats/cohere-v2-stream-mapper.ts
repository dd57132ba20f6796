import { expectRec, isRec, optArray, optString } from "../../oci/reply-shapes";
import type { ChatEvent } from "../types";
import { v2Content } from "./map-cohere-v2-chat-response";
import { mapFinishReason } from "./map-finish-reason";
import { mapUsage } from "./map-usage";
import { BaseStreamMapper } from "./stream-mapper";
import { syntheticToolCallId } from "./synthetic-tool-call-id";
import { throwIfCohereError } from "./throw-if-cohere-error";

/**
 * COHEREV2 stream events → the core's events. OCI's v2 stream is not documented (only the
 * non-stream shape is; docs/oci-wire.md), so this reads the shapes the other formats use:
 * `message.content` TEXT/THINKING deltas, `message.toolCalls` (whole calls, or argument fragments
 * without an id), a `finishReason` event and a `usage` object. Text on the finish event that merely
 * repeats what was already streamed is not sent twice.
 */
export class CohereV2StreamMapper extends BaseStreamMapper {
  private text = "";
  private calls = 0;

  push(event: unknown): ChatEvent[] {
    const ev = expectRec(event, "stream event");
    if (this.finished) {
      // The usage may come after the finish, as it does in GENERIC streams.
      if (ev.usage !== undefined) this.usage = mapUsage(ev.usage) ?? this.usage;
      return [];
    }
    const out: ChatEvent[] = [];
    const isFinal = ev.finishReason != null;
    if (isRec(ev.message)) {
      const { text, thinking } = v2Content(ev.message.content);
      const fresh = isFinal && text === this.text ? "" : text;
      if (fresh) {
        out.push({ type: "text", choice: 0, text: fresh });
        this.text += fresh;
      }
      if (thinking) out.push({ type: "reasoning", choice: 0, text: thinking });
      if (!(isFinal && this.calls > 0)) this.toolEvents(optArray(ev.message.toolCalls, "message.toolCalls"), out);
    }
    if (ev.usage !== undefined) this.usage = mapUsage(ev.usage) ?? this.usage;
    if (isFinal) {
      throwIfCohereError(ev);
      this.finished = true;
      out.push({ type: "finish", choice: 0, reason: mapFinishReason(ev.finishReason, this.calls > 0) });
    }
    return out;
  }

  private toolEvents(calls: unknown[], out: ChatEvent[]): void {
    for (const raw of calls) {
      const c = expectRec(raw, "streamed tool call");
      const fn = isRec(c.function) ? c.function : {};
      const name = optString(fn.name);
      const args =
        typeof fn.arguments === "string"
          ? fn.arguments
          : fn.arguments === undefined
            ? ""
            : JSON.stringify(fn.arguments);
      const id = optString(c.id);
      if (id || name || this.calls === 0) {
        const index = this.calls++;
        out.push({
          type: "tool_call",
          choice: 0,
          index,
          id: id ?? syntheticToolCallId(index, name ?? "", args),
          name: name ?? "",
          arguments: args,
        });
      } else if (args) {
        out.push({ type: "tool_arguments", choice: 0, index: this.calls - 1, arguments: args });
      }
    }
  }
}
