import type { TokenUsage } from "../chat/types";
import type { KeyIdentity } from "../config/key-ring";
import { LOCAL_OWNER } from "../config/types";
import type { Family } from "../errors/envelopes";
import type { RouteMeta } from "./route-table";

const CLIENT_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * What the gateway knows about one request while it runs: its id and start, the route's declared
 * policy, who called, which alias, and what OCI answered. Created by the request-start plugin at
 * Elysia's first hook and carried on the request's context as `call` (declared in
 * http/context.ts), so every hook and handler sees it typed, errors and unmatched routes included.
 */
export class RequestState {
  readonly id: string;
  readonly startedAt = performance.now();
  /** The route's declared metadata; undefined when no route matches. */
  readonly route: RouteMeta | undefined;
  /** The family whose envelope this request's errors use. */
  readonly family: Family;
  keyId?: string;
  /** The caller's key, once auth matched it (undefined: no keys configured, or an open route). */
  key?: KeyIdentity;
  alias?: string;
  /** A pool's member that answered, and the members tried (the core fills them: see ChatCall.trace). */
  servedBy?: string;
  tried?: string[];
  ociRequestId?: string;
  usage?: TokenUsage;
  /** Headers every answer to this request carries, errors included (a limited key's `x-ratelimit-*`). */
  readonly answerHeaders: Record<string, string> = {};
  /** Status answered (set where the answer is made, errors included). */
  status?: number;
  /** Milliseconds from the start to the first streamed token. */
  firstTokenMs?: number;
  /** Counted in `ocigenai_active_requests` (not when refused before the count, nor a preflight). */
  counted = false;
  private streaming = false;
  private ended = false;
  private readonly onEnd: Array<() => void> = [];

  constructor(request: Request, route: RouteMeta | undefined, family: Family) {
    const given = request.headers.get("x-request-id");
    this.id = given && CLIENT_ID.test(given) ? given : crypto.randomUUID();
    this.route = route;
    this.family = family;
  }

  identify(key: KeyIdentity): void {
    this.key = key;
    this.keyId = key.id;
  }

  /** The caller's namespace: its key's id, or the one local namespace when no key is configured. */
  get owner(): string {
    return this.keyId ?? LOCAL_OWNER;
  }

  get isStream(): boolean {
    return this.streaming;
  }

  /** The answer is a stream: the request is over when it closes, not when its headers leave. */
  streamOpened(): void {
    this.streaming = true;
  }

  streamClosed(): void {
    this.end();
  }

  /** Elysia sent the answer (its headers, for a stream). */
  responded(): void {
    if (!this.streaming) this.end();
  }

  /** Runs `fn` when the request is really over: now if it already is. */
  whenFinished(fn: () => void): void {
    if (this.ended) fn();
    else this.onEnd.push(fn);
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const fn of this.onEnd.splice(0)) fn();
  }
}
