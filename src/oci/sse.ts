import { createParser, type EventSourceParser } from "eventsource-parser";
import { UpstreamError } from "../errors/upstream-error";

/**
 * Turns OCI's SSE bytes into parsed JSON payloads, one chunk at a time, with no I/O: the
 * transport reads, this decodes. Tolerates events split across chunks (UTF-8 included), CRLF,
 * comments and unknown fields (eventsource-parser does the framing); stops at `data: [DONE]`
 * (`finished`), after which nothing more is decoded. A payload that is not JSON ends it too, with
 * a typed upstream error in `failure` for the reader to raise after the payloads before it.
 */
export class SseJsonDecoder {
  private readonly decoder = new TextDecoder();
  private readonly pending: string[] = [];
  private readonly parser: EventSourceParser = createParser({ onEvent: (ev) => this.pending.push(ev.data) });
  /** `[DONE]` was seen, or a broken payload: nothing more will be decoded. */
  finished = false;
  /** Why the stream is broken, when a payload was not JSON. */
  failure: UpstreamError | undefined;

  /** Feeds one chunk; answers the payloads it completed, in order. */
  push(chunk: Uint8Array): unknown[] {
    if (this.finished) return [];
    this.parser.feed(this.decoder.decode(chunk, { stream: true }));
    const out: unknown[] = [];
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) {
      const data = pending[i]!.trim();
      if (data === "") continue;
      if (data === "[DONE]") {
        this.finished = true;
        break;
      }
      try {
        out.push(JSON.parse(data));
      } catch {
        this.finished = true;
        this.failure = new UpstreamError("bad_response", `stream event is not JSON: ${data.slice(0, 80)}`);
        break;
      }
    }
    pending.length = 0;
    return out;
  }
}
