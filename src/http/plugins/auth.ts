import { createHash, timingSafeEqual } from "node:crypto";
import { Elysia } from "elysia";
import { ApiError } from "../../errors/api-error";
import { requestInfo } from "../request-info";

export interface AuthOptions {
  /** Accepted keys; empty means no key is configured. */
  keys: string[];
  /** Paths served without a key. */
  openPaths?: string[];
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Short, stable, non-reversible id of a key for logs, metrics and session namespaces. */
export function keyIdOf(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 12);
}

/**
 * Bearer or X-API-Key, compared in constant time: both sides are hashed first so neither the
 * content nor the length of a configured key leaks through timing. With no key configured only
 * loopback callers are served.
 */
export function auth(o: AuthOptions) {
  const open = new Set(o.openPaths ?? ["/health"]);
  const keys = o.keys.map((k) => ({ hash: digest(k), id: keyIdOf(k) }));
  return new Elysia({ name: "auth" })
    .onRequest(({ request, server }) => {
      const url = new URL(request.url);
      if (open.has(url.pathname) || request.method === "OPTIONS") return;
      if (keys.length === 0) {
        const ip = server?.requestIP(request)?.address;
        if (ip !== undefined && !isLoopback(ip)) {
          throw new ApiError(403, "No API key is configured on this gateway, so it only serves callers on this machine (set API_KEY)", {
            type: "permission_error",
            code: "loopback_only",
          });
        }
        return;
      }
      const presented = presentedKey(request.headers);
      if (presented === undefined) throw unauthorized("Missing API key", "missing_api_key");
      const h = digest(presented);
      let match: string | undefined;
      for (const k of keys) if (timingSafeEqual(h, k.hash)) match = k.id;
      if (!match) throw unauthorized("Invalid API key", "invalid_api_key");
      requestInfo(request).keyId = match;
    })
    .as("global");
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

export function isLoopback(ip: string): boolean {
  return ip === "::1" || ip.startsWith("127.") || ip.startsWith("::ffff:127.");
}
