import type { AgentTurn, ChatEvent, FinishReason, TokenUsage } from "../../chat/types";
import { ApiError } from "../../errors/api-error";
import { anthropicEnvelope } from "../../errors/envelopes";
import type { SseFrame } from "../../http/sse";
import { type AnthropicMessage, agentField, anthropicUsage, stopReason, toolInput, toolUseId } from "./render-message";

type Open = { kind: "text" | "thinking" } | { kind: "tool"; call: number; args: string };

/** The `ping` Anthropic's clients expect on a quiet stream (instead of a comment). */
export const PING: SseFrame = { event: "ping", data: { type: "ping" } };

/** A failure after the first event, as Anthropic's `error` event. */
export function anthropicErrorFrame(e: ApiError): SseFrame {
  return { event: "error", data: anthropicEnvelope(e) };
}

/**
 * The core's events → Anthropic's stream (docs/api/anthropic.md#streaming): `message_start`,
 * then per content block `content_block_start`, its deltas (`text_delta` as OCI sends the text,
 * `thinking_delta`, and a call's arguments as one `input_json_delta` when the call is complete)
 * and `content_block_stop`, and last `message_delta` (stop reason and usage) and `message_stop`.
 * One block is open at a time, as in Anthropic's stream. Pure; one instance per stream.
 */
export class MessageStreamWriter {
  private index = -1;
  private open: Open | undefined;
  private readonly closedCalls = new Set<number>();
  /** A text or tool_use block went out: else the answer still needs its (empty) text block. */
  private answered = false;
  private finish: FinishReason | undefined;
  private usage: TokenUsage | undefined;
  private agent: AgentTurn | undefined;

  constructor(private readonly shell: AnthropicMessage) {}

  start(): SseFrame[] {
    return [this.event("message_start", { message: this.shell })];
  }

  push(ev: ChatEvent): SseFrame[] {
    if ("choice" in ev && ev.choice !== 0) return []; // one answer per message
    const out: SseFrame[] = [];
    switch (ev.type) {
      case "text":
      case "reasoning": {
        if (ev.text === "") return out;
        const kind = ev.type === "text" ? "text" : "thinking";
        if (this.open?.kind !== kind)
          this.openBlock(
            out,
            { kind },
            kind === "text" ? { type: "text", text: "" } : { type: "thinking", thinking: "", signature: "" },
          );
        const delta =
          kind === "text" ? { type: "text_delta", text: ev.text } : { type: "thinking_delta", thinking: ev.text };
        out.push(this.event("content_block_delta", { index: this.index, delta }));
        return out;
      }
      case "tool_call":
        this.openBlock(
          out,
          { kind: "tool", call: ev.index, args: ev.arguments },
          {
            type: "tool_use",
            id: toolUseId(ev.id),
            name: ev.name,
            input: {},
          },
        );
        return out;
      case "tool_arguments":
        if (this.open?.kind === "tool" && this.open.call === ev.index) {
          this.open.args += ev.arguments;
          return out;
        }
        if (this.closedCalls.has(ev.index)) {
          // Anthropic's stream cannot reopen a block: failing is better than a truncated input.
          throw new ApiError(502, "The model streamed a tool call's arguments after the next block began", {
            type: "upstream_error",
            code: "interleaved_tool_calls",
          });
        }
        return out;
      case "finish":
        this.finish = ev.reason;
        return out;
      case "usage":
        this.usage = ev.usage;
        return out;
      case "agent":
        this.agent = ev.agent;
        return out;
      default: {
        const never: never = ev;
        throw new Error(`unknown chat event ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * Closes the open block and answers `message_delta` and `message_stop`. An answer with no text
   * and no call (a model that said nothing, or only thought) gets an empty text block, as the
   * whole Message has: without one, Claude Code ends the run with no result.
   */
  end(): SseFrame[] {
    const out: SseFrame[] = [];
    this.closeBlock(out);
    if (!this.answered) {
      this.openBlock(out, { kind: "text" }, { type: "text", text: "" });
      this.closeBlock(out);
    }
    const usage = anthropicUsage(this.usage);
    out.push(
      this.event("message_delta", {
        delta: { stop_reason: stopReason(this.finish), stop_sequence: null },
        usage,
        ...agentField(this.agent),
      }),
      this.event("message_stop", {}),
    );
    return out;
  }

  private openBlock(out: SseFrame[], open: Open, block: Record<string, unknown>): void {
    this.closeBlock(out);
    if (open.kind !== "thinking") this.answered = true;
    this.index++;
    this.open = open;
    out.push(this.event("content_block_start", { index: this.index, content_block: block }));
  }

  private closeBlock(out: SseFrame[]): void {
    if (!this.open) return;
    if (this.open.kind === "tool") {
      this.closedCalls.add(this.open.call);
      if (this.open.args.trim()) out.push(this.jsonDelta(checkedArguments(this.open.args)));
    }
    out.push(this.event("content_block_stop", { index: this.index }));
    this.open = undefined;
  }

  private jsonDelta(partial: string): SseFrame {
    return this.event("content_block_delta", {
      index: this.index,
      delta: { type: "input_json_delta", partial_json: partial },
    });
  }

  private event(type: string, body: Record<string, unknown>): SseFrame {
    return { event: type, data: { type, ...body } };
  }
}

/**
 * A call's arguments as Anthropic's clients parse them at the block's end: the model's text when
 * it is a JSON object, else the object a whole answer would carry (`toolInput`). Models on OCI do
 * write arguments that are not JSON now and then; streamed as they came, the SDK's stream fails
 * on them where its `create()` gets an object. Held to the call's end for that: the client could
 * not use the call before then anyway.
 */
function checkedArguments(args: string): string {
  try {
    const v: unknown = JSON.parse(args);
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return args;
  } catch {}
  return JSON.stringify(toolInput(args));
}
