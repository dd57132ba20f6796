import { ApiError, badRequest } from "../errors/api-error";
import { NAME, VERSION } from "../version";
import { type AddressCategory, addressCategory, canonicalAddress } from "./ip-ranges";

/**
 * Fetches an image a chat message references by http(s) URL, without letting a caller use the
 * proxy to reach the network it runs in (SSRF).
 *
 * - Every address the host resolves to must be public (ip-ranges.ts), unless the operator named
 *   the host or the address in ALLOW_PRIVATE_IMAGE_HOSTS.
 * - DNS rebinding: we connect to the address we checked, never to a fresh resolution. The URL we
 *   fetch carries the checked address; the origin's name travels in `Host` and, for https, in
 *   `tls.serverName`, so SNI and certificate verification still use the host name (Bun dials the
 *   address and verifies against serverName). `proxy: false` because Bun would judge the
 *   environment's proxy against the address and a proxy would resolve the name again: remote
 *   images are always fetched directly, never through HTTP(S)_PROXY.
 * - Redirects are followed by hand, each Location checked exactly like the first URL.
 * - One deadline covers resolution, redirects and the body; the size limit is enforced on the
 *   declared length and again on the bytes as they arrive (after Bun's transparent decoding of
 *   gzip/br, so a compressed bomb is bounded too).
 */

export interface FetchRemoteImageOptions {
  /** Normalized ALLOW_PRIVATE_IMAGE_HOSTS: host names or addresses (any case, v6 with or without brackets). */
  allowHosts: ReadonlySet<string>;
  /** Default 20 MB. */
  maxBytes?: number;
  /** Whole fetch, redirects included. Default 10 s. */
  timeoutMs?: number;
  /** Default 3. */
  maxRedirects?: number;
  /** Every address of a host. Default: the system resolver (`dns.lookup`, all addresses). */
  resolve?: (host: string) => Promise<string[]>;
  /** The client's request: when it goes away, so does the fetch. */
  signal?: AbortSignal;
  /** The request field that held the URL, for the error, e.g. `messages[0].content[1].image_url.url`. */
  param: string;
  /** Extra trusted CA (PEM) for https targets, e.g. an internal CA; the system store otherwise. */
  ca?: string;
}

export interface RemoteImage {
  dataUrl: string;
  mimeType: string;
  bytes: number;
}

export const REMOTE_IMAGE_DEFAULTS = { maxBytes: 20 * 1024 * 1024, timeoutMs: 10_000, maxRedirects: 3 } as const;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export async function fetchRemoteImage(url: string, opts: FetchRemoteImageOptions): Promise<RemoteImage> {
  const maxBytes = opts.maxBytes ?? REMOTE_IMAGE_DEFAULTS.maxBytes;
  const timeoutMs = opts.timeoutMs ?? REMOTE_IMAGE_DEFAULTS.timeoutMs;
  const maxRedirects = opts.maxRedirects ?? REMOTE_IMAGE_DEFAULTS.maxRedirects;
  const resolve = opts.resolve ?? resolveAll;
  const allow = new Set([...opts.allowHosts].map(normalizeHost));

  let first: URL;
  try {
    first = new URL(url);
  } catch {
    throw badRequest(`Image URL is not a valid URL`, opts.param, "invalid_image_url");
  }
  const refuse = (reason: string) =>
    badRequest(`Image URL host '${first.hostname}' ${reason}`, opts.param, "invalid_image_url");

  const timeout = AbortSignal.timeout(timeoutMs);
  // Aborting this cuts the connection of a refused response instead of draining it.
  const cut = new AbortController();
  const signal = AbortSignal.any([timeout, cut.signal, ...(opts.signal ? [opts.signal] : [])]);

  try {
    let current = first;
    for (let hop = 0; ; hop++) {
      // "redirects to a loopback address 127.0.0.1 (via 'b.test')" reads better than a second host.
      const via = hop === 0 ? "" : ` (via '${current.hostname}')`;
      const verb = hop === 0 ? "" : "redirects to a URL that ";
      const addresses = await checkTarget(current, { allow, resolve, signal, refuse, verb, via });
      const response = await connect(current, addresses, { signal, ca: opts.ca, refuse, verb, via });

      if (REDIRECT_STATUSES.has(response.status)) {
        await response.body?.cancel();
        if (hop >= maxRedirects) throw refuse(`answered with too many redirects (more than ${maxRedirects})`);
        const location = response.headers.get("location");
        if (!location) throw refuse(`answered HTTP ${response.status} without a Location${via}`);
        try {
          // Against the URL we asked for, not the address we dialled.
          current = new URL(location, current);
        } catch {
          throw refuse(`redirects to an invalid URL${via}`);
        }
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw refuse(`answered HTTP ${response.status}${via}`);
      }
      return await readImage(response, { maxBytes, signal, refuse });
    }
  } catch (e) {
    cut.abort();
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (e instanceof ApiError) throw e;
    if (timeout.aborted) throw refuse(`took longer than ${formatSeconds(timeoutMs)}`);
    throw refuse(`could not be fetched (${errorCode(e)})`);
  }
}

interface CheckContext {
  allow: ReadonlySet<string>;
  resolve: (host: string) => Promise<string[]>;
  signal: AbortSignal;
  refuse: (reason: string) => ApiError;
  /** "" for the first URL; "redirects to a URL that " after a redirect. */
  verb: string;
  via: string;
}

/** Scheme, credentials and every resolved address. Returns the addresses we may dial. */
async function checkTarget(url: URL, ctx: CheckContext): Promise<string[]> {
  const { refuse, verb, via } = ctx;
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw refuse(
      `${verb ? "redirects to" : "uses"} scheme '${url.protocol.slice(0, -1)}'${via}; only http and https images are fetched`,
    );
  }
  if (url.username || url.password) throw refuse(`${verb}has credentials in it${via}; they are not allowed`);

  const host = normalizeHost(url.hostname);
  const literal = canonicalAddress(host) !== null;
  let addresses: string[];
  if (literal) {
    addresses = [stripBrackets(url.hostname)];
  } else {
    try {
      addresses = await abortable(ctx.resolve(host), ctx.signal);
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      throw refuse(`${verb}could not be resolved${via} (${errorCode(e)})`);
    }
    if (addresses.length === 0) throw refuse(`${verb}does not resolve to any address${via}`);
  }

  const nameAllowed = ctx.allow.has(host);
  for (const address of addresses) {
    if (nameAllowed || ctx.allow.has(normalizeHost(address))) continue;
    const category = addressCategory(address);
    if (category === "public") continue;
    // A literal address is the client's own words; what a name resolves to is this network's
    // business, so only the verdict is said (no address, no kind of address).
    const how =
      literal && !verb ? `is ${article(category)} ${category} address` : `${verb}is not a public internet host`;
    throw refuse(`${how}${via}; list the host in ALLOW_PRIVATE_IMAGE_HOSTS to allow it`);
  }
  return addresses;
}

interface ConnectContext {
  signal: AbortSignal;
  ca?: string;
  refuse: (reason: string) => ApiError;
  verb: string;
  via: string;
}

/** One request to the first checked address that accepts a connection. */
async function connect(url: URL, addresses: string[], ctx: ConnectContext): Promise<Response> {
  const isLiteral = canonicalAddress(normalizeHost(url.hostname)) !== null;
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  let lastError: unknown;
  for (const address of addresses) {
    const dialled = `${url.protocol}//${address.includes(":") ? `[${address}]` : address}:${port}${url.pathname}${url.search}`;
    const tls =
      url.protocol === "https:"
        ? { ...(isLiteral ? {} : { serverName: stripBrackets(url.hostname) }), ...(ctx.ca ? { ca: ctx.ca } : {}) }
        : undefined;
    try {
      return await fetch(dialled, {
        headers: { Host: url.host, Accept: "image/*", "User-Agent": `${NAME}/${VERSION}` },
        redirect: "manual",
        proxy: false,
        signal: ctx.signal,
        ...(tls ? { tls } : {}),
      } as BunFetchRequestInit);
    } catch (e) {
      // Only a refused or failed connection moves on; an abort or a TLS failure is final.
      if (ctx.signal.aborted || !isConnectError(e)) throw e;
      lastError = e;
    }
  }
  throw ctx.refuse(`${ctx.verb}could not be reached${ctx.via} (${errorCode(lastError)})`);
}

interface ReadContext {
  maxBytes: number;
  signal: AbortSignal;
  refuse: (reason: string) => ApiError;
}

async function readImage(response: Response, ctx: ReadContext): Promise<RemoteImage> {
  const tooLarge = () => ctx.refuse(`answered an image larger than ${formatBytes(ctx.maxBytes)}`);
  const declaredLength = Number(response.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declaredLength) && declaredLength > ctx.maxBytes) throw tooLarge();

  const declaredType = mediaType(response.headers.get("content-type"));
  const trustHeader = declaredType?.startsWith("image/") ?? false;
  const mustSniff = declaredType === null || declaredType === "application/octet-stream";
  // Refuse before downloading when the header already says it is not an image.
  if (!trustHeader && !mustSniff) throw ctx.refuse(`is not an image (${declaredType})`);

  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > ctx.maxBytes) throw tooLarge();
      chunks.push(value);
    }
  }
  if (total === 0) throw ctx.refuse(`answered an empty body`);
  const body = Buffer.concat(chunks, total);

  const mimeType = trustHeader ? declaredType! : sniffImageType(body);
  if (!mimeType)
    throw ctx.refuse(`is not an image (${declaredType ?? "no content type"}, and not PNG, JPEG, GIF or WebP data)`);
  return { dataUrl: `data:${mimeType};base64,${body.toString("base64")}`, mimeType, bytes: total };
}

/** Magic bytes of the formats OCI's vision models take. */
export function sniffImageType(b: Uint8Array): string | null {
  const starts = (sig: number[], at = 0) => sig.every((x, i) => b[at + i] === x);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (starts([0xff, 0xd8, 0xff])) return "image/jpeg";
  if (starts([0x47, 0x49, 0x46, 0x38]) && (b[4] === 0x37 || b[4] === 0x39) && b[5] === 0x61) return "image/gif";
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return "image/webp";
  return null;
}

/**
 * The system resolver, every address (v4 and v6), in its order. node:dns is imported at the
 * first remote image: a static import of a built-in is hoisted to the binary's start-up.
 */
async function resolveAll(host: string): Promise<string[]> {
  const { lookup } = await import("node:dns/promises");
  const found = await lookup(host, { all: true, verbatim: true });
  return found.map((a) => a.address);
}

/** Lower case, no brackets, no trailing dot; addresses in one canonical spelling. */
export function normalizeHost(host: string): string {
  const h = stripBrackets(host.trim().toLowerCase()).replace(/\.$/, "");
  return canonicalAddress(h) ?? h;
}

function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function mediaType(header: string | null): string | null {
  const t = header?.split(";")[0]?.trim().toLowerCase();
  return t ? t : null;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function isConnectError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return (
    typeof code === "string" &&
    /^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ConnectionRefused|ConnectionClosed)$/.test(code)
  );
}

/** An error's code (ECONNREFUSED, ENOTFOUND, …): its message may name internal addresses. */
function errorCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && code ? code : "network error";
}

const article = (word: AddressCategory) => (/^[aeiouIEU]/.test(word) ? "an" : "a");

function formatBytes(n: number): string {
  const MB = 1024 * 1024;
  if (n >= MB) return `${Number.isInteger(n / MB) ? n / MB : (n / MB).toFixed(1)} MB`;
  if (n >= 1024) return `${Number.isInteger(n / 1024) ? n / 1024 : (n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

const formatSeconds = (ms: number) => `${ms / 1000} s`;
