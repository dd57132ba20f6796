import { UpstreamError } from "../../errors/upstream-error";
import type { ChatCompletionChunk, ToolCallDelta } from "../../families/openai/types";
import { expectRec, isRec, optArray, optString } from "../../oci/reply-shapes";
import { v2Content } from "./map-cohere-v2-chat-response";
import { mapFinishReason } from "./map-finish-reason";
import { mapUsage } from "./map-usage";
import { BaseStreamMapper, chunkOf } from "./stream-mapper";
import { syntheticToolCallId } from "./synthetic-tool-call-id";

/**
 * COHEREV2 stream events → OpenAI chunks. OCI's v2 stream is not documented (OCI-WIRE §2.6 gives
 * only the non-stream shape), so this reads the shapes the other formats use: `message.content`
 * TEXT/THINKING deltas, `message.toolCalls` (whole calls, or argument fragments without an id),
 * a `finishReason` event and a `usage` object. Text on the finish event that merely repeats what
 * was already streamed is not sent twice.
 */
export class CohereV2StreamMapper extends BaseStreamMapper {
  private text = "";
  private calls = 0;

  push(event: unknown): ChatCompletionChunk[] {
    const ev = expectRec(event, "stream event");
    if (this.finished) return [];
    const out: ChatCompletionChunk[] = [];
    const isFinal = ev.finishReason != null;
    if (isRec(ev.message)) {
      const { text, thinking } = v2Content(ev.message.content);
      const delta: ChatCompletionChunk["choices"][number]["delta"] = {};
      const fresh = isFinal && text === this.text ? "" : text;
      if (fresh) {
        delta.content = fresh;
        this.text += fresh;
      }
      if (thinking) delta.reasoning_content = thinking;
      const tools = this.toolDeltas(optArray(ev.message.toolCalls, "message.toolCalls"), isFinal);
      if (tools.length) delta.tool_calls = tools;
      if (Object.keys(delta).length)
        out.push(chunkOf(this.meta, [{ index: 0, delta, logprobs: null, finish_reason: null }]));
    }
    if (ev.usage !== undefined) this.usage = mapUsage(ev.usage) ?? this.usage;
    if (isFinal) {
      if (ev.finishReason === "ERROR")
        throw new UpstreamError(
          "bad_response",
          `Cohere reported an error: ${optString(ev.errorMessage) ?? "no message"}`,
        );
      this.finished = true;
      out.push(
        chunkOf(this.meta, [
          { index: 0, delta: {}, logprobs: null, finish_reason: mapFinishReason(ev.finishReason, this.calls > 0) },
        ]),
      );
    }
    return out;
  }

  private toolDeltas(calls: unknown[], isFinal: boolean): ToolCallDelta[] {
    if (isFinal && this.calls > 0) return [];
    const out: ToolCallDelta[] = [];
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
        out.push({
          index: this.calls,
          id: id ?? syntheticToolCallId(this.calls, name ?? "", args),
          type: "function",
          function: { name: name ?? "", arguments: args },
        });
        this.calls++;
      } else if (args) {
        out.push({ index: this.calls - 1, function: { arguments: args } });
      }
    }
    return out;
  }
}
