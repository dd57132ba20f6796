import { UpstreamError } from "../../errors/upstream-error";
import type { ChatCompletionChunk, ToolCallDelta } from "../../families/openai/types";
import { expectRec, isRec, optArray, optNumber, optString, textOfParts } from "../../oci/reply-shapes";
import { mapFinishReason } from "./map-finish-reason";
import { mapUsage } from "./map-usage";
import { BaseStreamMapper } from "./stream-mapper";

type Choice = ChatCompletionChunk["choices"][number];

/**
 * Maps OCI GENERIC stream events to OpenAI chunks, one event at a time (pure state machine; the
 * caller does the I/O). Tool-call fragments without an id belong to the latest call of their
 * choice, so each call keeps one stable `index` and `id` for the client to assemble.
 */
export class GenericStreamMapper extends BaseStreamMapper {
  private readonly calls = new Map<number, number>(); // choice index → tool calls seen
  private readonly finishedChoices = new Set<number>();

  push(event: unknown): ChatCompletionChunk[] {
    const ev = expectRec(event, "stream event");
    const out: ChatCompletionChunk[] = [];
    const index = optNumber(ev.index) ?? 0;
    if (isRec(ev.message)) {
      const delta: Choice["delta"] = {};
      const text = textOfParts(ev.message.content, "message.content");
      if (text) delta.content = text;
      const reasoning = optString(ev.message.reasoningContent);
      if (reasoning) delta.reasoning_content = reasoning;
      const toolDeltas = this.toolDeltas(index, optArray(ev.message.toolCalls, "message.toolCalls"));
      if (toolDeltas.length) delta.tool_calls = toolDeltas;
      if (Object.keys(delta).length) out.push(this.chunk([{ index, delta, logprobs: null, finish_reason: null }]));
    }
    if (ev.finishReason !== undefined && ev.finishReason !== null && !this.finishedChoices.has(index)) {
      this.finishedChoices.add(index);
      this.finished = true;
      const reason = mapFinishReason(ev.finishReason, (this.calls.get(index) ?? 0) > 0 && ev.finishReason !== "length");
      out.push(this.chunk([{ index, delta: {}, logprobs: null, finish_reason: reason }]));
    }
    if (ev.usage !== undefined) this.usage = mapUsage(ev.usage) ?? this.usage;
    return out;
  }

  private toolDeltas(choice: number, calls: unknown[]): ToolCallDelta[] {
    const deltas: ToolCallDelta[] = [];
    for (const c of calls) {
      if (!isRec(c)) throw new UpstreamError("bad_response", "a streamed tool call is not an object");
      const id = optString(c.id);
      const name = optString(c.name);
      const args = optString(c.arguments) ?? "";
      const seen = this.calls.get(choice) ?? 0;
      if (id || name || seen === 0) {
        this.calls.set(choice, seen + 1);
        deltas.push({
          index: seen,
          id: id ?? `call_${this.meta.id}_${seen}`,
          type: "function",
          function: { name: name ?? "", arguments: args },
        });
      } else if (args !== "") {
        deltas.push({ index: seen - 1, function: { arguments: args } });
      }
    }
    return deltas;
  }

  private chunk(choices: Choice[]): ChatCompletionChunk {
    return {
      id: this.meta.id,
      object: "chat.completion.chunk",
      created: this.meta.created,
      model: this.meta.model,
      choices,
    };
  }
}
