import { expectRec, isRec, optString } from "../oci/reply-shapes";
import { type AgentAnswer, readAgentResult } from "./read-agent-result";

/**
 * Reads an agent's SSE events (shape [UNVERIFIED] in docs/oci-wire.md#agent-streaming: partial ChatResults). Text
 * may come as deltas or cumulatively. A text that extends everything received so far marks the
 * stream cumulative (only the new tail is passed on); one that does not marks it as deltas, and
 * from then on every text is appended — so a delta that happens to repeat the text so far is not
 * lost. A final event (it carries the time or the citations) that repeats the whole text adds
 * nothing. The answer merges everything seen.
 */
export class AgentStreamReader {
  private text = "";
  private mode: "unknown" | "delta" | "cumulative" = "unknown";
  private last: Record<string, unknown> = {};

  /** The new text this event adds ("" when none). */
  push(event: unknown): string {
    const ev = expectRec(event, "agent stream event");
    for (const k of ["requiredActions", "traces", "toolOutputs"]) if (ev[k] !== undefined) this.last[k] = ev[k];
    if (!isRec(ev.message)) return "";
    const content = isRec(ev.message.content) ? ev.message.content : {};
    if (content.citations !== undefined) this.last.citations = content.citations;
    if (ev.message.timeCreated !== undefined) this.last.timeCreated = ev.message.timeCreated;
    const text = optString(content.text) ?? "";
    if (text === "") return "";
    const isFinal = ev.message.timeCreated !== undefined || content.citations !== undefined;
    if (isFinal && text === this.text) return "";
    let fresh = text;
    if (this.mode !== "delta" && this.text !== "" && text.startsWith(this.text) && text.length > this.text.length) {
      this.mode = "cumulative";
      fresh = text.slice(this.text.length);
    } else if (this.text !== "") {
      this.mode = this.mode === "cumulative" && text.startsWith(this.text) ? "cumulative" : "delta";
      if (this.mode === "cumulative") fresh = "";
    }
    this.text += fresh;
    return fresh;
  }

  answer(): AgentAnswer {
    return readAgentResult({
      message: {
        role: "AGENT",
        content: { text: this.text, citations: this.last.citations ?? [] },
        timeCreated: this.last.timeCreated,
      },
      requiredActions: this.last.requiredActions,
      traces: this.last.traces,
    });
  }
}
