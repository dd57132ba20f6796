import { UpstreamError } from "../errors/upstream-error";
import type { MemberLease } from "../pools/route-pool";
import { type ChatStream, withEvents } from "./outcome";
import type { ChatEvent } from "./types";

/**
 * Waits for a pool member's first event before the stream counts as its answer: until then a
 * broken or silent member can still be left for the next one, since nothing has reached the
 * client. The wait ends at the pool's deadline. The member stays "in progress" until the stream
 * ends.
 */
export async function committedStream(out: ChatStream, lease: MemberLease): Promise<ChatStream> {
  const it = out.events[Symbol.asyncIterator]();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let first: IteratorResult<ChatEvent>;
  try {
    const next = it.next();
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => {
          out.cancel();
          reject(
            new UpstreamError("timeout", "no first event before the request's deadline", {
              opcRequestId: out.ociRequestId,
            }),
          );
        },
        Math.max(0, lease.deadlineAt - Date.now()),
      );
    });
    next.catch(() => {}); // when the deadline wins, the cancelled read's own failure is not news
    first = await Promise.race([next, late]);
    // A stream that ends before saying anything was cut, not answered: another member may answer.
    if (first.done)
      throw new UpstreamError("bad_response", "the stream ended before its first event", {
        opcRequestId: out.ociRequestId,
      });
  } catch (e) {
    out.cancel();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  async function* events(): AsyncGenerator<ChatEvent> {
    try {
      yield first.value as ChatEvent;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    } finally {
      lease.release();
      await it.return?.();
    }
  }
  return withEvents(out, events());
}
