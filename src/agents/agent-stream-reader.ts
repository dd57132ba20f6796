import { expectRec, isRec, optString } from "../openai/oci-shapes";
import { readAgentResult, type AgentAnswer } from "./read-agent-result";

/**
 * Reads an agent's SSE events (shape [UNVERIFIED] in OCI-WIRE §5.3: partial ChatResults). Text
 * may come as deltas or cumulatively; a text that starts with everything received so far is
 * cumulative and only its new tail is passed on. The final answer merges everything seen:
 * the longest text, and citations, required actions and traces from whichever event had them.
 */
export class AgentStreamReader {
  private text = "";
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
    const fresh = text.startsWith(this.text) ? text.slice(this.text.length) : text;
    this.text += fresh;
    return fresh;
  }

  answer(): AgentAnswer {
    return readAgentResult({
      message: { role: "AGENT", content: { text: this.text, citations: this.last.citations ?? [] }, timeCreated: this.last.timeCreated },
      requiredActions: this.last.requiredActions,
      traces: this.last.traces,
    });
  }
}
