import type { RequestState } from "./request-state";

/**
 * What a service that resolves its own alias (embeddings, rerank, moderations) needs from the
 * request: its id and signal, the caller's key, where to record the alias it chose, and where a
 * pool records the member that answered.
 */
export function serviceCall(call: RequestState, request: Request) {
  return {
    requestId: call.id,
    signal: request.signal,
    key: call.key,
    onAlias: (alias: string) => {
      call.alias = alias;
    },
    trace: call,
  };
}
