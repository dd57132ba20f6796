import { UpstreamError } from "../../errors/upstream-error";
import type { ChatCompletionChunk } from "../../families/openai/types";
import { expectRec, optString } from "../../oci/reply-shapes";
import { cohereToolCalls } from "./map-cohere-chat-response";
import { mapFinishReason } from "./map-finish-reason";
import { mapUsage } from "./map-usage";
import { BaseStreamMapper, chunkOf } from "./stream-mapper";

/**
 * COHERE stream events → OpenAI chunks. Text events are deltas; the final event (the one with
 * `finishReason`) repeats the whole text, which must not be sent again (only a tail the deltas
 * missed is). Tool calls arrive whole;
 * each gets its own index and a synthetic id. There is no `[DONE]`: the finish event ends it.
 */
export class CohereStreamMapper extends BaseStreamMapper {
  private toolCallsSent = 0;
  private text = "";

  push(event: unknown): ChatCompletionChunk[] {
    const ev = expectRec(event, "stream event");
    if (this.finished) return [];
    const out: ChatCompletionChunk[] = [];
    // Some answers end with `finishReason: null` (a stop sequence hit); the final event is also
    // the one carrying the history or the usage.
    const isFinal =
      ev.finishReason != null || (ev.finishReason === null && (ev.chatHistory !== undefined || ev.usage !== undefined));
    const text = optString(ev.text);
    // The final event repeats the whole text; only what the deltas did not already carry is new.
    const fresh = !text ? "" : !isFinal ? text : text.startsWith(this.text) ? text.slice(this.text.length) : "";
    if (fresh) {
      this.text += fresh;
      out.push(chunkOf(this.meta, [{ index: 0, delta: { content: fresh }, logprobs: null, finish_reason: null }]));
    }
    // The final event may repeat the calls already streamed; only new ones are sent.
    if (ev.toolCalls !== undefined && !(isFinal && this.toolCallsSent > 0)) {
      const calls = cohereToolCalls(ev.toolCalls, this.toolCallsSent);
      if (calls.length) {
        const deltas = calls.map((c, i) => ({
          index: this.toolCallsSent + i,
          id: c.id,
          type: "function" as const,
          function: { name: c.function.name, arguments: c.function.arguments },
        }));
        this.toolCallsSent += calls.length;
        out.push(
          chunkOf(this.meta, [{ index: 0, delta: { tool_calls: deltas }, logprobs: null, finish_reason: null }]),
        );
      }
    }
    if (isFinal) {
      if (ev.finishReason === "ERROR")
        throw new UpstreamError(
          "bad_response",
          `Cohere reported an error: ${optString(ev.errorMessage) ?? "no message"}`,
        );
      this.finished = true;
      this.usage = mapUsage(ev.usage) ?? this.usage;
      out.push(
        chunkOf(this.meta, [
          {
            index: 0,
            delta: {},
            logprobs: null,
            finish_reason: mapFinishReason(ev.finishReason, this.toolCallsSent > 0),
          },
        ]),
      );
    }
    return out;
  }
}
