import { createParser } from "eventsource-parser";
import { UpstreamError } from "../errors/upstream-error";

/**
 * Turns OCI's SSE bytes into parsed JSON payloads. Tolerates events split across chunks, CRLF,
 * comments and unknown fields (eventsource-parser does the framing); stops at `data: [DONE]`.
 * A payload that is not JSON ends the stream with a typed upstream error.
 */
export async function* parseSseJson(body: AsyncIterable<Uint8Array>, onChunk?: () => void): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  const queue: string[] = [];
  const parser = createParser({ onEvent: (ev) => queue.push(ev.data) });
  for await (const chunk of body) {
    onChunk?.();
    parser.feed(decoder.decode(chunk, { stream: true }));
    while (queue.length > 0) {
      const data = queue.shift()!.trim();
      if (data === "") continue;
      if (data === "[DONE]") return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        throw new UpstreamError("bad_response", `stream event is not JSON: ${data.slice(0, 80)}`);
      }
      yield parsed;
    }
  }
}
