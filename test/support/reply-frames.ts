/** The frames of a stream reply one by one, whether the family yielded them singly or in batches. */
import type { SseChunk, SseFrame } from "../../src/http/sse";

export async function* replyFrames(chunks: AsyncIterable<SseChunk>): AsyncGenerator<SseFrame> {
  for await (const c of chunks) {
    if ("data" in c) yield c;
    else yield* c;
  }
}
