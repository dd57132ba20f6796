/** Drives a stream mapper over events the way the chat service does: start, every event, end. */
import type { StreamMapper } from "../../src/chat/formats/stream-mapper";
import type { ChatCompletionChunk } from "../../src/families/openai/types";

export function runStreamMapper(m: StreamMapper, events: unknown[]): ChatCompletionChunk[] {
  const out = [m.start()];
  for (const e of events) out.push(...m.push(e));
  out.push(...m.end());
  return out;
}
