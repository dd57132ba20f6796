import { UpstreamError } from "../errors/upstream-error";

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
const BOM = [0xef, 0xbb, 0xbf];
/**
 * The most one event may hold (its lines and its data), far above any OCI event: past it the
 * stream is broken, rather than the process held by a line that never ends.
 */
export const MAX_EVENT_BYTES = 16 * 1024 * 1024;

/**
 * Turns OCI's SSE bytes into parsed JSON payloads, one chunk at a time, with no I/O: the
 * transport reads, this decodes. Events may be split across chunks anywhere (inside a UTF-8
 * character, between a CR and its LF); lines end in LF, CRLF or CR; comments and fields other
 * than `data` are skipped; several `data` lines make one payload joined by newlines. Stops at
 * `data: [DONE]` (`finished`), after which nothing more is decoded. A payload that is not JSON ends
 * it too, with a typed upstream error in `failure` for the reader to raise after the payloads
 * before it.
 *
 * It works on the bytes and decodes only the `data` values, once a line is whole: at a thousand
 * open streams each event's garbage counts (docs/architecture.md#streams-are-pushed), and decoding
 * the whole chunk to text and then splitting it into line, field and event strings made several
 * strings and objects per event where this makes one string and the parsed payload.
 */
export class SseJsonDecoder {
  /** `[DONE]` was seen, or a broken payload: nothing more will be decoded. */
  finished = false;
  /** Why the stream is broken, when a payload was not JSON. */
  failure: UpstreamError | undefined;
  /**
   * The start of a line whose end has not arrived yet, as the chunks it came in (copies): joined
   * once its end comes, so a long line in many chunks is copied twice, not once per chunk.
   */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** The event's `data` so far; undefined while it has none. */
  private data: string | undefined;
  /** The last chunk ended in CR: an LF opening the next one belongs to that line end. */
  private afterCr = false;
  /** Nothing decoded yet: a byte-order mark may open the stream. */
  private first = true;

  /** Feeds one chunk; answers the payloads it completed, in order. */
  push(chunk: Uint8Array): unknown[] {
    const out: unknown[] = [];
    if (this.finished || chunk.length === 0) return out;
    let buf = chunk instanceof Buffer ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    // The kept start of a line holds no line end: the search for one resumes after it, so a long
    // line arriving in many chunks is not searched again from its start at each one.
    let searched = 0;
    if (this.partialBytes > 0) {
      if (!this.first && buf.indexOf(LF) < 0 && buf.indexOf(CR) < 0) {
        this.keep(buf);
        return out;
      }
      searched = this.partialBytes;
      buf = Buffer.concat([...this.partial, buf]);
      this.partial = [];
      this.partialBytes = 0;
    }
    let at = 0;
    if (this.afterCr) {
      this.afterCr = false;
      if (buf[0] === LF) at = 1;
    }
    if (this.first) {
      const n = Math.min(3, buf.length - at);
      let bom = 0;
      while (bom < n && buf[at + bom] === BOM[bom]) bom++;
      if (bom === n && n < 3) {
        this.keep(buf.subarray(at)); // maybe the start of a byte-order mark
        return out;
      }
      this.first = false;
      if (bom === 3) at += 3;
    }
    const end = buf.length;
    while (at < end) {
      let eol = Math.max(at, searched);
      while (eol < end && buf[eol] !== LF && buf[eol] !== CR) eol++;
      if (eol === end) {
        // An unfinished line: kept for the next chunk.
        this.keep(buf.subarray(at));
        break;
      }
      this.line(buf, at, eol, out);
      if (this.finished) return out;
      at = eol + 1;
      if (buf[eol] === CR) {
        if (at === end) this.afterCr = true;
        else if (buf[at] === LF) at++;
      }
    }
    return out;
  }

  /** Keeps bytes of an unfinished line (copied: the chunk's memory is not ours), within the cap. */
  private keep(bytes: Buffer): void {
    this.partialBytes += bytes.length;
    if (this.partialBytes > MAX_EVENT_BYTES) {
      this.partial = [];
      this.tooLarge();
      return;
    }
    this.partial.push(Buffer.from(bytes));
  }

  private tooLarge(): void {
    this.finished = true;
    this.data = undefined;
    this.failure = new UpstreamError("bad_response", `stream event larger than ${MAX_EVENT_BYTES / 1024 / 1024} MB`);
  }

  /** One whole line, `buf[from, to)` without its end. */
  private line(buf: Buffer, from: number, to: number, out: unknown[]): void {
    if (from === to) {
      this.dispatch(out);
      return;
    }
    if (buf[from] === COLON) return; // a comment (OCI's keep-alive)
    // Only `data` matters; `event`, `id`, `retry` and unknown fields are skipped.
    if (
      to - from < 4 ||
      buf[from] !== 100 || // d
      buf[from + 1] !== 97 || // a
      buf[from + 2] !== 116 || // t
      buf[from + 3] !== 97 // a
    )
      return;
    let v = from + 4;
    if (v < to) {
      if (buf[v] !== COLON) return; // a longer field name ("database: …")
      v++;
      if (v < to && buf[v] === SPACE) v++;
    }
    const value = buf.toString("utf8", v, to);
    this.data = this.data === undefined ? value : `${this.data}\n${value}`;
    if (this.data.length > MAX_EVENT_BYTES) this.tooLarge();
  }

  /** A blank line ends the event: its data is a payload, `[DONE]`, or nothing. */
  private dispatch(out: unknown[]): void {
    const raw = this.data;
    if (raw === undefined) return;
    this.data = undefined;
    const data = raw.trim();
    if (data === "") return;
    if (data === "[DONE]") {
      this.finished = true;
      return;
    }
    try {
      out.push(JSON.parse(data));
    } catch {
      this.finished = true;
      this.failure = new UpstreamError("bad_response", `stream event is not JSON: ${data.slice(0, 80)}`);
    }
  }
}
