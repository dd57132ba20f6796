/**
 * The frames of a stream reply one by one, as they reach the wire: its opening frames first, then
 * what the family yields, singly or in batches.
 */
import type { StreamReply } from "../../src/http/respond";
import type { SseChunk, SseFrame } from "../../src/http/sse";

export async function* replyFrames(r: Pick<StreamReply, "frames" | "opening">): AsyncGenerator<SseFrame> {
  const one = (c: SseChunk) => ("data" in c ? [c] : c);
  if (r.opening) yield* one(r.opening);
  for await (const c of r.frames) yield* one(c);
}
