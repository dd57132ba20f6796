/**
 * The store key of an auto-mode conversation. The API-key namespace comes first, so a caller
 * with key B can never reach a session made for key A; the agent endpoint next, since a session
 * belongs to one endpoint; then the client's own `channel:cuid`.
 */
export function storeKey(owner: string, agentEndpointId: string, channel: string, cuid: string): string {
  return `${owner}|${agentEndpointId}|${channel}:${cuid}`;
}
