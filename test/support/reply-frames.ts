/**
 * The frames of a stream reply one by one, as they reach the wire: its opening frames first, then
 * what the family yields, singly or in batches.
 */
import type { StreamReply } from "../../src/http/respond";
import type { SseFrame, SseOpening } from "../../src/http/sse";

export async function* replyFrames(r: Pick<StreamReply, "frames" | "opening">): AsyncGenerator<SseFrame> {
  const one = (c: SseOpening) => (c instanceof Uint8Array ? framesOf(c) : "data" in c ? [c] : c);
  if (r.opening) yield* one(r.opening);
  for await (const c of r.frames) yield* one(c);
}

/** An opening given as bytes, back into frames (its data left as the JSON text it went out as). */
function framesOf(bytes: Uint8Array): SseFrame[] {
  return new TextDecoder()
    .decode(bytes)
    .split("\n\n")
    .filter((block) => block !== "")
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? "";
      return event === undefined ? { data } : { event, data };
    });
}
