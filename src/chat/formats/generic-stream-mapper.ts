import { UpstreamError } from "../../errors/upstream-error";
import { expectRec, isRec, optArray, optNumber, optString, textOfParts } from "../../oci/reply-shapes";
import type { ChatEvent } from "../types";
import { mapFinishReason } from "./map-finish-reason";
import { mapLogprobs } from "./map-generic-chat-response";
import { mapUsage } from "./map-usage";
import { BaseStreamMapper } from "./stream-mapper";

/**
 * OCI GENERIC stream events → the core's events. Tool-call fragments without an id belong to the
 * latest call of their choice, so each call keeps one stable index and id for the client to
 * assemble. OCI's finish event carries no `index` (docs/oci-wire.md): with several choices, an
 * index-less finish goes to the first choice that has spoken and not finished yet.
 */
export class GenericStreamMapper extends BaseStreamMapper {
  private readonly calls = new Map<number, number>(); // choice index → tool calls seen
  private readonly finishedChoices = new Set<number>();
  /** Choices past 0 that have said something (n > 1); made when the first of them speaks. */
  private spoken: Set<number> | undefined;
  private zeroSpoke = false;

  push(event: unknown): ChatEvent[] {
    const ev = expectRec(event, "stream event");
    const out: ChatEvent[] = [];
    const index = optNumber(ev.index);
    const choice = index ?? 0;
    // An index-less event whose message says nothing (OCI's finish event carries an empty one)
    // names no choice: its finish goes to the next unfinished one, as a bare finish does.
    let said = false;
    if (isRec(ev.message)) {
      const text = textOfParts(ev.message.content, "message.content");
      const reasoning = optString(ev.message.reasoningContent);
      const calls = optArray(ev.message.toolCalls, "message.toolCalls");
      said = text !== "" || !!reasoning || calls.length > 0;
      if (said || index !== undefined) {
        if (choice === 0) this.zeroSpoke = true;
        else {
          this.spoken ??= new Set();
          this.spoken.add(choice);
        }
      }
      if (text) {
        const logprobs = ev.logprobs === undefined ? undefined : mapLogprobs(ev.logprobs);
        out.push(logprobs ? { type: "text", choice, text, logprobs } : { type: "text", choice, text });
      }
      if (reasoning) out.push({ type: "reasoning", choice, text: reasoning });
      this.toolEvents(choice, calls, out);
    }
    const finishing = index ?? (said ? choice : this.nextUnfinished());
    if (ev.finishReason !== undefined && ev.finishReason !== null && !this.finishedChoices.has(finishing)) {
      this.finishedChoices.add(finishing);
      this.finished = true;
      const calls = this.calls.get(finishing) ?? 0;
      out.push({
        type: "finish",
        choice: finishing,
        reason: mapFinishReason(ev.finishReason, calls > 0 && ev.finishReason !== "length"),
      });
    }
    if (ev.usage !== undefined) this.usage = mapUsage(ev.usage) ?? this.usage;
    return out;
  }

  private nextUnfinished(): number {
    if (this.zeroSpoke && !this.finishedChoices.has(0)) return 0;
    let next: number | undefined;
    for (const c of this.spoken ?? []) if (!this.finishedChoices.has(c) && (next === undefined || c < next)) next = c;
    return next ?? 0;
  }

  private toolEvents(choice: number, calls: unknown[], out: ChatEvent[]): void {
    for (const c of calls) {
      if (!isRec(c)) throw new UpstreamError("bad_response", "a streamed tool call is not an object");
      const id = optString(c.id);
      const name = optString(c.name);
      const args = optString(c.arguments) ?? "";
      const seen = this.calls.get(choice) ?? 0;
      if (id || name || seen === 0) {
        this.calls.set(choice, seen + 1);
        out.push({
          type: "tool_call",
          choice,
          index: seen,
          id: id ?? syntheticId(this.answerId, choice, seen),
          name: name ?? "",
          arguments: args,
        });
      } else if (args !== "") {
        out.push({ type: "tool_arguments", choice, index: seen - 1, arguments: args });
      }
    }
  }
}

/** Ids for calls OCI sent without one: unique per answer, choice and position. */
function syntheticId(answerId: string, choice: number, index: number): string {
  return choice === 0 ? `call_${answerId}_${index}` : `call_${answerId}_${choice}_${index}`;
}
