/**
 * Which OCI requests go through an HTTP proxy, read from the variables curl and Bun's fetch read:
 * `HTTPS_PROXY` (else `HTTP_PROXY`) for https URLs, `HTTP_PROXY` for http ones, either case, minus
 * the hosts of `NO_PROXY` (a name matches itself and its subdomains; `*` matches all; `host:port`
 * only that port). Kept apart from upstream-sender.ts so the launcher can ask without loading
 * the senders (docs/deploy.md#how-upstream-calls-are-sent).
 */
type Env = Record<string, string | undefined>;

/** The proxy a request to `u` must go through, else undefined. */
export function proxyFor(u: URL, env: Env): string | undefined {
  const proxy =
    u.protocol === "https:"
      ? (env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy)
      : (env.HTTP_PROXY ?? env.http_proxy);
  if (!proxy?.trim()) return undefined;
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? "").trim();
  if (!noProxy) return proxy;
  const host = u.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  for (const raw of noProxy.split(",")) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return undefined;
    const [name, port] = entry.replace(/^\*?\./, ".").split(/:(?=\d+$)/);
    if (port && port !== (u.port || (u.protocol === "https:" ? "443" : "80"))) continue;
    const bare = name!.startsWith(".") ? name!.slice(1) : name!;
    if (host === bare || host.endsWith(`.${bare}`)) return undefined;
  }
  return proxy;
}

/** True when some request could go through a proxy (then Bun's fetch, and its launch-time limit, is used). */
export function proxyConfigured(env: Env): boolean {
  return [env.HTTPS_PROXY, env.https_proxy, env.HTTP_PROXY, env.http_proxy].some((v) => !!v?.trim());
}
