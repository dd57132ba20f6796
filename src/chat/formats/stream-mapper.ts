import { UpstreamError } from "../../errors/upstream-error";
import type { ChatEvent, TokenUsage } from "../types";

/**
 * What every format's stream mapper offers: the core drives it, one OCI event at a time, and it
 * answers the core's events. Pure state machines; the caller does the I/O.
 */
export interface StreamMapper {
  push(event: unknown): ChatEvent[];
  /** OCI ended the stream; throws when it ended before a finish reason. */
  end(): ChatEvent[];
  readonly usage: TokenUsage | undefined;
}

/**
 * What the three formats share: a close that insists OCI finished (a stream cut before its
 * finish reason is an upstream failure) and reports the usage last. Subclasses map the events
 * and set `finished` and `usage`.
 */
export abstract class BaseStreamMapper implements StreamMapper {
  protected finished = false;
  usage: TokenUsage | undefined;

  /** `answerId` seeds the ids of tool calls that OCI sent without one. */
  constructor(protected readonly answerId: string) {}

  abstract push(event: unknown): ChatEvent[];

  end(): ChatEvent[] {
    if (!this.finished) throw new UpstreamError("bad_response", "the stream ended before OCI sent a finish reason");
    return this.usage ? [{ type: "usage", usage: this.usage }] : [];
  }
}
