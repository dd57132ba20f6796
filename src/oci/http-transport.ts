import { badRequest } from "../errors/api-error";
import { serviceBaseUrl } from "./endpoints";
import { createObjectStorageOps } from "./object-storage-ops";
import { createSignedHttp, type SignedHttpOptions } from "./signed-http";
import type { CallTarget, OciTransport } from "./transport";

export interface HttpTransportOptions extends SignedHttpOptions {
  endpoints: { inference?: string; agent?: string; genai?: string; objectStorage?: string };
}

/**
 * The real transport: each OCI operation is a signed HTTP exchange (signed-http.ts) against the
 * service's regional host, or the configured override.
 */
export function createHttpTransport(o: HttpTransportOptions): OciTransport {
  const http = createSignedHttp(o);
  const inferenceUrl = (t: CallTarget, op: string) =>
    `${serviceBaseUrl("inference", t.region, { alias: t.endpoint, global: o.endpoints.inference })}${op}`;
  const agentUrl = (t: CallTarget, endpointId: string, op: string) =>
    `${serviceBaseUrl("agent", t.region, { alias: t.endpoint, global: o.endpoints.agent })}/agentEndpoints/${pathSegment(endpointId)}${op}`;
  const sessionUrl = (t: CallTarget, endpointId: string, sessionId: string) =>
    agentUrl(t, endpointId, `/sessions/${pathSegment(sessionId)}`);

  return {
    kind: "oci",
    chat: (target, details, opts) =>
      http.exchange("POST", inferenceUrl(target, "/actions/chat"), { json: details }, opts),
    chatStream: (target, details, opts) => http.stream(inferenceUrl(target, "/actions/chat"), { json: details }, opts),
    embedText: (target, details, opts) =>
      http.exchange("POST", inferenceUrl(target, "/actions/embedText"), { json: details }, opts),
    rerankText: (target, details, opts) =>
      http.exchange("POST", inferenceUrl(target, "/actions/rerankText"), { json: details }, opts),
    applyGuardrails: (target, details, opts) =>
      http.exchange("POST", inferenceUrl(target, "/actions/applyGuardrails"), { json: details }, opts),
    getModel: (target, modelId, opts) =>
      http.exchange(
        "GET",
        `${serviceBaseUrl("genai", target.region, { global: o.endpoints.genai })}/models/${encodeURIComponent(modelId)}`,
        undefined,
        opts,
      ),

    createSession: (target, endpointId, details, opts) =>
      http.exchange("POST", agentUrl(target, endpointId, "/sessions"), { json: details }, opts),
    getSession: (target, endpointId, sessionId, opts) =>
      http.exchange("GET", sessionUrl(target, endpointId, sessionId), undefined, opts),
    deleteSession: (target, endpointId, sessionId, opts) =>
      http.exchange("DELETE", sessionUrl(target, endpointId, sessionId), undefined, opts),
    agentChat: (target, endpointId, details, opts) =>
      http.exchange("POST", agentUrl(target, endpointId, "/actions/chat"), { json: details }, opts),
    agentChatStream: (target, endpointId, details, opts) =>
      http.stream(agentUrl(target, endpointId, "/actions/chat"), { json: details }, opts),

    ...createObjectStorageOps(http, (region) =>
      serviceBaseUrl("objectStorage", region, { global: o.endpoints.objectStorage }),
    ),
  };
}

/**
 * One id as one path segment. Percent-encoding keeps slashes in, but `.` and `..` would still be
 * resolved by the URL parser and move the signed request to another resource: never sent.
 */
function pathSegment(id: string): string {
  if (id === "" || id === "." || id === "..") throw badRequest(`'${id}' is not an OCI id`, null, "invalid_id");
  return encodeURIComponent(id);
}
