import type { AgentTurn, ChatEvent, FinishReason, TokenUsage } from "../../chat/types";
import type { ApiError } from "../../errors/api-error";
import type { SseFrame } from "../../http/sse";
import type { MintItemId } from "../../stored-responses/item-ids";
import type { OutputItem, ResponseObject } from "../../stored-responses/response-types";
import { callItem, completeResponse, outputText } from "./render-response";
import type { ToolPlan } from "./tools";

type Open =
  | { kind: "message"; index: number; id: string; text: string }
  | { kind: "reasoning"; index: number; id: string; text: string };

interface OpenCall {
  /** Its place in the core's events (`tool_arguments` name it) and in the output. */
  event: number;
  index: number;
  item: OutputItem;
  /** The call as the model made it: its id and the offered function's name. */
  callId: string;
  offered: string;
  arguments: string;
  /** Function calls stream their arguments; the other kinds are sent whole when they end. */
  streams: boolean;
}

/**
 * The core's events → the Responses API's event stream (docs/api/responses.md#streaming):
 * `response.created`, `response.in_progress`, then per output item `output_item.added`, its
 * deltas (text as OCI sends it) and `output_item.done`, and last `response.completed` (or
 * `response.incomplete`) with every item and the usage. Every event has a growing
 * `sequence_number`. Pure; one instance per stream.
 */
export class ResponseStreamWriter {
  private seq = 0;
  private readonly items: OutputItem[] = [];
  private open: Open | undefined;
  /**
   * The one call still taking arguments: each item is done before the next is added, as in
   * OpenAI's stream (clients such as Codex keep items in `output_item.done` order, and replay
   * them so). The chat core only ever adds arguments to the latest call.
   */
  private call: OpenCall | undefined;
  /** A message or a call went out: else the answer still needs its (empty) message. */
  private answered = false;
  private finish: FinishReason | undefined;
  private usage: TokenUsage | undefined;
  private agent: AgentTurn | undefined;
  /** The finished response, once `end()` ran. */
  final: ResponseObject | undefined;

  /**
   * `newId` is the response's one id maker, which has already numbered the kept input items:
   * a second counter would give an output item the id of an input item.
   */
  constructor(
    private readonly shell: ResponseObject,
    private readonly plan: ToolPlan,
    private readonly newId: MintItemId,
  ) {}

  start(): SseFrame[] {
    return [
      this.event("response.created", { response: this.shell }),
      this.event("response.in_progress", { response: this.shell }),
    ];
  }

  push(ev: ChatEvent): SseFrame[] {
    if ("choice" in ev && ev.choice !== 0) return []; // one answer per response
    const out: SseFrame[] = [];
    switch (ev.type) {
      case "text":
      case "reasoning": {
        const kind = ev.type === "text" ? "message" : "reasoning";
        if (this.open?.kind !== kind) {
          this.closeOpen(out);
          this.closeCall(out);
          this.openItem(kind, out);
        }
        const o = this.open!;
        o.text += ev.text;
        out.push(
          kind === "message"
            ? this.event("response.output_text.delta", {
                item_id: o.id,
                output_index: o.index,
                content_index: 0,
                delta: ev.text,
                logprobs: [],
              })
            : this.event("response.reasoning_summary_text.delta", {
                item_id: o.id,
                output_index: o.index,
                summary_index: 0,
                delta: ev.text,
              }),
        );
        return out;
      }
      case "tool_call": {
        this.closeOpen(out);
        this.closeCall(out);
        this.answered = true;
        const item = callItem({ id: ev.id, name: ev.name, arguments: "" }, this.plan, this.newId);
        const index = this.items.length;
        const streams = item.type === "function_call";
        this.items.push(item);
        this.call = { event: ev.index, index, item, callId: ev.id, offered: ev.name, arguments: ev.arguments, streams };
        out.push(this.event("response.output_item.added", { output_index: index, item: inProgress(item) }));
        if (streams && ev.arguments) out.push(this.argumentsDelta(item, index, ev.arguments));
        return out;
      }
      case "tool_arguments": {
        const call = this.call;
        if (call?.event !== ev.index) return out;
        call.arguments += ev.arguments;
        if (call.streams) out.push(this.argumentsDelta(call.item, call.index, ev.arguments));
        return out;
      }
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
   * Closes what is open and answers `response.completed` (or `response.incomplete`). An answer
   * with no message and no call (a model that said nothing, or only reasoned) gets an empty
   * message, as the whole response has: without one the Agents SDK sees no final output and asks
   * the model again, turn after turn.
   */
  end(): SseFrame[] {
    const out: SseFrame[] = [];
    this.closeOpen(out);
    this.closeCall(out);
    if (!this.answered) {
      this.openItem("message", out);
      this.closeOpen(out);
    }
    this.final = completeResponse(this.shell, this.items, this.finish, this.usage, this.agent);
    const type = this.final.status === "incomplete" ? "response.incomplete" : "response.completed";
    out.push(this.event(type, { response: this.final }));
    return out;
  }

  /** A failure after the first event: `response.failed` with OCI's or our error. */
  failed(e: ApiError): SseFrame {
    const response: ResponseObject = {
      ...this.shell,
      status: "failed",
      output: this.soFar(),
      error: { code: e.code ?? e.type, message: e.message },
    };
    return this.event("response.failed", { response });
  }

  /**
   * The output as the client has seen it so far: the open message with the text its deltas
   * carried (incomplete), the open reasoning with its summary, the calls with their arguments.
   */
  private soFar(): OutputItem[] {
    const items = [...this.items];
    const o = this.open;
    if (o) items[o.index] = this.closedItem(o, "incomplete");
    const c = this.call;
    if (c) {
      const item = inProgress(c.item);
      items[c.index] = item.type === "function_call" ? { ...item, arguments: c.arguments } : item;
    }
    return items;
  }

  /** The open call, done: its arguments whole, then `output_item.done`. */
  private closeCall(out: SseFrame[]): void {
    const call = this.call;
    if (!call) return;
    this.call = undefined;
    const done = callItem(
      { id: call.callId, name: call.offered, arguments: call.arguments || "{}" },
      this.plan,
      this.newId,
    );
    const item = { ...done, id: call.item.id } as OutputItem;
    this.items[call.index] = item;
    if (item.type === "function_call") {
      out.push(
        this.event("response.function_call_arguments.done", {
          item_id: item.id,
          output_index: call.index,
          name: item.name,
          arguments: item.arguments,
        }),
      );
    } else if (item.type === "custom_tool_call") {
      out.push(
        this.event("response.custom_tool_call_input.delta", {
          item_id: item.id,
          output_index: call.index,
          delta: item.input,
        }),
      );
      out.push(
        this.event("response.custom_tool_call_input.done", {
          item_id: item.id,
          output_index: call.index,
          input: item.input,
        }),
      );
    }
    out.push(this.event("response.output_item.done", { output_index: call.index, item }));
  }

  private openItem(kind: Open["kind"], out: SseFrame[]): void {
    const index = this.items.length;
    if (kind === "message") {
      this.answered = true;
      const id = this.newId("msg");
      const item: OutputItem = { type: "message", id, role: "assistant", status: "in_progress", content: [] };
      this.items.push(item);
      this.open = { kind, index, id, text: "" };
      out.push(this.event("response.output_item.added", { output_index: index, item }));
      out.push(
        this.event("response.content_part.added", {
          item_id: id,
          output_index: index,
          content_index: 0,
          part: outputText(""),
        }),
      );
    } else {
      const id = this.newId("rs");
      const item: OutputItem = { type: "reasoning", id, summary: [] };
      this.items.push(item);
      this.open = { kind, index, id, text: "" };
      out.push(this.event("response.output_item.added", { output_index: index, item }));
      out.push(
        this.event("response.reasoning_summary_part.added", {
          item_id: id,
          output_index: index,
          summary_index: 0,
          part: { type: "summary_text", text: "" },
        }),
      );
    }
  }

  private closeOpen(out: SseFrame[]): void {
    const o = this.open;
    if (!o) return;
    this.open = undefined;
    const item = this.closedItem(o, this.finish === "length" ? "incomplete" : "completed");
    this.items[o.index] = item;
    if (item.type === "message") {
      const part = item.content[0]!;
      out.push(
        this.event("response.output_text.done", {
          item_id: o.id,
          output_index: o.index,
          content_index: 0,
          text: o.text,
          logprobs: [],
        }),
      );
      out.push(
        this.event("response.content_part.done", { item_id: o.id, output_index: o.index, content_index: 0, part }),
      );
      out.push(this.event("response.output_item.done", { output_index: o.index, item }));
      return;
    }
    const part = { type: "summary_text" as const, text: o.text };
    out.push(
      this.event("response.reasoning_summary_text.done", {
        item_id: o.id,
        output_index: o.index,
        summary_index: 0,
        text: o.text,
      }),
    );
    out.push(
      this.event("response.reasoning_summary_part.done", {
        item_id: o.id,
        output_index: o.index,
        summary_index: 0,
        part,
      }),
    );
    out.push(this.event("response.output_item.done", { output_index: o.index, item }));
  }

  /** The open item as it stands with its text: a message (with this status) or a reasoning summary. */
  private closedItem(o: Open, status: "completed" | "incomplete"): OutputItem {
    if (o.kind === "message")
      return { type: "message", id: o.id, role: "assistant", status, content: [outputText(o.text, this.agent)] };
    return { type: "reasoning", id: o.id, summary: [{ type: "summary_text", text: o.text }] };
  }

  private argumentsDelta(item: OutputItem, index: number, delta: string): SseFrame {
    return this.event("response.function_call_arguments.delta", { item_id: item.id, output_index: index, delta });
  }

  private event(type: string, body: Record<string, unknown>): SseFrame {
    return { event: type, data: { type, sequence_number: this.seq++, ...body } };
  }
}

function inProgress(item: OutputItem): OutputItem {
  if (item.type === "function_call") return { ...item, arguments: "", status: "in_progress" };
  if (item.type === "custom_tool_call") return { ...item, input: "", status: "in_progress" };
  if (item.type === "local_shell_call" || item.type === "tool_search_call") return { ...item, status: "in_progress" };
  return item;
}
