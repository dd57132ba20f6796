/**
 * The store key of an auto-mode conversation. The API-key namespace comes first, so a caller
 * with key B can never reach a session made for key A; the agent endpoint next, since a session
 * belongs to one endpoint; then the client's own `channel:cuid`, the channel's own `:` and `%`
 * escaped so that (`a:b`, `c`) and (`a`, `b:c`) stay two conversations. A channel without them —
 * nearly every one — is written as it is, so keys made before the escaping still match.
 */
export function storeKey(owner: string, agentEndpointId: string, channel: string, cuid: string): string {
  return `${owner}|${agentEndpointId}|${escapeChannel(channel)}:${cuid}`;
}

function escapeChannel(channel: string): string {
  return /[%:]/.test(channel) ? channel.replaceAll("%", "%25").replaceAll(":", "%3A") : channel;
}
