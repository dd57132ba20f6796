import type { RequestState } from "./request-state";

/**
 * What the embeddings, rerank and moderations services need from the request once its route has
 * chosen the alias: its id and signal, and where a pool records the member that answered.
 */
export function serviceCall(call: RequestState, request: Request) {
  return { requestId: call.id, signal: request.signal, trace: call };
}
