/**
 * Per-request facts every plugin needs (id, start time, caller's key id, alias), kept beside the
 * Request object so they exist even when a request fails before Elysia's derive stage.
 */
export interface RequestInfo {
  id: string;
  startedAt: number;
  keyId?: string;
  alias?: string;
  ociRequestId?: string;
  tokens?: { prompt: number; completion: number };
  /** Status answered (set where the answer is made, including errors). */
  status?: number;
  /** Milliseconds from the request's start to the first streamed text. */
  firstTokenMs?: number;
  /** Set when the answer is a stream: the request ends when it closes, not when headers go out. */
  stream?: { closed: boolean; onClosed: Array<() => void> };
  /** Frees this request's per-key concurrency slot (see plugins/concurrency.ts). */
  releaseSlot?: () => void;
}

const infos = new WeakMap<Request, RequestInfo>();

/**
 * Runs `fn` when the request is really over: at once for a plain answer or a stream that already
 * ended, else when its stream closes. Every plugin that holds something for the request uses it.
 */
export function whenFinished(info: RequestInfo, fn: () => void): void {
  if (info.stream && !info.stream.closed) info.stream.onClosed.push(fn);
  else fn();
}

const CLIENT_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export function requestInfo(request: Request): RequestInfo {
  let info = infos.get(request);
  if (!info) {
    const given = request.headers.get("x-request-id");
    info = { id: given && CLIENT_ID.test(given) ? given : crypto.randomUUID(), startedAt: performance.now() };
    infos.set(request, info);
  }
  return info;
}
