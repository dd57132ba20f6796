/**
 * Drives a stream mapper over OCI events the way the chat core does (every event, then end), and
 * reads the core's events back the way the families do: the text of a choice, the tool calls a
 * client assembles, the chunks the OpenAI family renders.
 */
import { expect } from "bun:test";
import type { StreamMapper } from "../../src/chat/formats/stream-mapper";
import type { ChatEvent, FinishReason, ToolCall } from "../../src/chat/types";
import { ChunkWriter, type CompletionMeta } from "../../src/families/openai/chat-completion";
import type { ChatCompletionChunk } from "../../src/families/openai/types";

export function runStreamMapper(m: StreamMapper, events: unknown[]): ChatEvent[] {
  const out: ChatEvent[] = [];
  for (const e of events) out.push(...m.push(e));
  out.push(...m.end());
  return out;
}

/** The text (or reasoning) events of one choice, concatenated. */
export function textOf(events: ChatEvent[], kind: "text" | "reasoning" = "text", choice = 0): string {
  return events
    .filter((e) => e.type === kind && e.choice === choice)
    .map((e) => (e.type === kind ? e.text : ""))
    .join("");
}

/** The finish reasons, in order, of every finish event (of any choice). */
export function finishesOf(events: ChatEvent[]): FinishReason[] {
  return events.flatMap((e) => (e.type === "finish" ? [e.reason] : []));
}

/**
 * What a client builds from one choice's tool-call events: a call opens once (with its id and
 * name) and its arguments grow only at an index already opened.
 */
export function assembleToolCalls(events: ChatEvent[], choice = 0): ToolCall[] {
  const byIndex = new Map<number, ToolCall>();
  for (const e of events) {
    if (e.type === "tool_call" && e.choice === choice) {
      expect(byIndex.has(e.index)).toBe(false);
      expect(e.id).toBeTruthy();
      byIndex.set(e.index, { id: e.id, name: e.name, arguments: e.arguments });
    } else if (e.type === "tool_arguments" && e.choice === choice) {
      const cur = byIndex.get(e.index);
      expect(cur).toBeDefined();
      cur!.arguments += e.arguments;
    }
  }
  return [...byIndex.keys()].sort((a, b) => a - b).map((k) => byIndex.get(k)!);
}

/** The chunks an OpenAI client receives for these events, as chatCompletionReply writes them (without `[DONE]`). */
export function renderChunks(events: ChatEvent[], meta: CompletionMeta, includeUsage: boolean): ChatCompletionChunk[] {
  const w = new ChunkWriter(meta, includeUsage);
  return [w.start(), ...events.flatMap((e) => w.push(e)), ...w.end()];
}
