import { hostname } from "node:os";
import { Elysia } from "elysia";
import type { KeyIdentity, KeyRing } from "../../config/key-ring";
import { ApiError } from "../../errors/api-error";
import { context } from "../context";

export interface AuthOptions {
  /** METRICS_PUBLIC: routes declared `open: "public-metrics"` need no key either. */
  publicMetrics?: boolean;
  /** DOCS_PUBLIC: routes declared `open: "public-docs"` need no key either. */
  publicDocs?: boolean;
  /** CORS_ORIGINS when exact origins are listed: pages the operator trusts even without keys. */
  trustedOrigins?: readonly string[];
}

/**
 * Bearer or X-API-Key, looked up by its SHA-256 among the keys of the config in force (API_KEY /
 * API_KEYS and the team keys of api_keys.json, reloaded with it), so neither the content nor the
 * length of a configured key leaks through timing. With no key configured only loopback callers
 * are served.
 */
export function auth(o: AuthOptions) {
  return new Elysia({ name: "auth" })
    .use(context)
    .onRequest(({ call, config, request, server }) => {
      // The route's own declaration decides, found on the path Elysia will route (request-start).
      const open = call.route?.open;
      const isOpen =
        open === "always" || (open === "public-metrics" && o.publicMetrics) || (open === "public-docs" && o.publicDocs);
      if (isOpen || request.method === "OPTIONS") return;
      const keys = config.current.keys;
      // The caller's address decides only when no key is configured; Bun builds an object for it.
      // A socket whose address Bun cannot tell is not "this machine" (undefined means in-process).
      const ip = keys.configured || !server ? undefined : (server.requestIP(request)?.address ?? "unknown");
      const key = authorize(keys, request.headers, ip, o.trustedOrigins);
      if (key) call.identify(key);
    })
    .as("global");
}

/**
 * The decision alone, without Elysia: returns the caller's key, undefined when no key is
 * configured and the caller is local, or throws the 401/403 to answer. `ip` is undefined for
 * in-process calls (tests through app.handle), which are local by construction.
 */
export function authorize(
  keys: KeyRing,
  headers: Headers,
  ip: string | undefined,
  trustedOrigins: readonly string[] = [],
): KeyIdentity | undefined {
  if (!keys.configured) {
    if (ip !== undefined && !isLoopback(ip)) {
      throw new ApiError(
        403,
        "No API key is configured on this gateway, so it only serves callers on this machine (set API_KEY)",
        { type: "permission_error", code: "loopback_only" },
      );
    }
    // A page of a site whose name was pointed at this machine (DNS rebinding) calls us as its own
    // origin: no Origin header on a GET, but its own name as Host. Callers on this machine name it.
    const host = headers.get("host");
    if (ip !== undefined && host !== null && !isLocalHostName(host)) {
      throw new ApiError(
        403,
        `No API key is configured on this gateway, so it only answers requests that name this machine (Host ${host.slice(0, 100)}; set API_KEY)`,
        { type: "permission_error", code: "foreign_host" },
      );
    }
    // Without keys, a web page open in a local browser is also "on this machine": any site could
    // make the browser call us (a simple POST needs no preflight). Only pages served from this
    // machine, or origins the operator listed in CORS_ORIGINS, may.
    const origin = headers.get("origin");
    if (origin !== null && !isLoopbackOrigin(origin) && !trustedOrigins.includes(origin)) {
      throw new ApiError(
        403,
        `No API key is configured on this gateway, so web pages from other sites (Origin ${origin.slice(0, 100)}) may not call it (set API_KEY, or list the origin in CORS_ORIGINS)`,
        { type: "permission_error", code: "foreign_origin" },
      );
    }
    return undefined;
  }
  const presented = presentedKey(headers);
  if (presented === undefined) throw unauthorized("Missing API key", "missing_api_key");
  const key = keys.identify(presented);
  if (!key) throw unauthorized("Invalid API key", "invalid_api_key");
  return key;
}

function presentedKey(h: Headers): string | undefined {
  const authz = h.get("authorization");
  if (authz) {
    const m = /^Bearer\s+(.+)$/i.exec(authz.trim());
    return m ? m[1]!.trim() : authz.trim();
  }
  const x = h.get("x-api-key");
  return x ? x.trim() : undefined;
}

function unauthorized(message: string, code: string): ApiError {
  return new ApiError(401, message, { type: "authentication_error", code, headers: { "www-authenticate": "Bearer" } });
}

/** An Origin of a page served from this machine: http(s)://localhost, 127.x or [::1]. */
export function isLoopbackOrigin(origin: string): boolean {
  try {
    const u = new URL(origin);
    if (u.protocol !== "http:" && u.protocol !== "https:") return false;
    const host = u.hostname.replace(/^\[|\]$/g, "");
    return host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
  } catch {
    return false; // "null" (files, sandboxed frames) and anything unparsable
  }
}

/**
 * A Host header naming this machine: localhost and its subdomains, a loopback address, the
 * wildcard address, or the machine's own name (which Debian's /etc/hosts maps to 127.0.1.1).
 */
export function isLocalHostName(hostHeader: string): boolean {
  const name = hostHeader
    .trim()
    .toLowerCase()
    .replace(/:\d+$/, "")
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  if (name === "localhost" || name.endsWith(".localhost") || name === "::1" || name === "0.0.0.0") return true;
  if (/^127(\.\d{1,3}){3}$/.test(name)) return true;
  machineName ??= hostname().toLowerCase();
  return name === machineName || name === machineName.split(".")[0];
}

let machineName: string | undefined;

export function isLoopback(ip: string): boolean {
  return ip === "::1" || ip.startsWith("127.") || ip.startsWith("::ffff:127.");
}
