/** Probes whose answers do not depend on the host: liveness, readiness, Claude Code's reachability check. */
const PROBES = new Set(["GET /health", "HEAD /health", "GET /ready", "HEAD /ready", "HEAD /"]);
const SLASH = 47;

/**
 * A health check that names no host — HAProxy's default `option httpchk GET /health` is HTTP/1.0
 * without one — leaves Bun's URL relative, which is a 400 `bad_host` for every other request
 * (plugins/request-start.ts). A probe is given a host instead; anything else is returned as it is.
 */
export function withProbeHost(request: Request): Request {
  const url = request.url;
  if (url.charCodeAt(0) !== SLASH) return request;
  const query = url.indexOf("?");
  if (!PROBES.has(`${request.method} ${query < 0 ? url : url.slice(0, query)}`)) return request;
  return new Request(`http://localhost${url}`, { method: request.method, headers: request.headers });
}
