/**
 * OCI HTTP Signature v1 verification (draft-cavage-08, rsa-sha256), per OCI-WIRE.md §6.2.
 *
 * About the request target: Bun.serve only exposes the WHATWG-normalized URL (`req.url`), not
 * the raw request line: it resolves `..` segments and percent-encodes characters such as `"`
 * and `{`. Existing `%XX` escapes are kept as sent. Real clients (fetch, the SDK from 2.142
 * which signs `new Request(uri).url`) already send normalized targets, so for them
 * pathname+search of `req.url` is byte-identical to what they signed.
 */
import { createHash, createPublicKey, type KeyObject, verify } from "node:crypto";

/** Max |now - x-date|; OCI answers 401 beyond 5 minutes. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

export interface SignatureInput {
  method: string;
  /** Path + query as received. */
  target: string;
  headers: Headers;
  body: Uint8Array;
  now: number;
  /**
   * The operation may be signed without the body headers even though it is a PUT/POST:
   * Object Storage PutObject/UploadPart, which the SDK signs with forceExcludeBody
   * (`x-date (request-target) host` only) and OCI accepts. Body headers that ARE signed are
   * still checked against the body.
   */
  bodyHeadersOptional?: boolean;
}

export type SignatureResult = { ok: true; keyId: string } | { ok: false; error: string; keyId?: string };

/** Colon-separated lower-case hex MD5 of the DER SubjectPublicKeyInfo. */
export function fingerprintOfKey(key: KeyObject): string {
  const der = key.export({ type: "spki", format: "der" });
  return createHash("md5").update(der).digest("hex").match(/../g)!.join(":");
}

/** Public keys indexed by keyId and by fingerprint (the third `/` segment of an API-key keyId). */
export class KeyRing {
  private readonly byKeyId = new Map<string, KeyObject>();
  private readonly byFingerprint = new Map<string, KeyObject>();

  add(keyId: string, publicKeyPem: string): void {
    const key = createPublicKey(publicKeyPem);
    this.byKeyId.set(keyId, key);
    this.byFingerprint.set(fingerprintOfKey(key), key);
    const declared = keyId.split("/")[2];
    if (declared) this.byFingerprint.set(declared.toLowerCase(), key);
  }

  find(keyId: string): KeyObject | undefined {
    const exact = this.byKeyId.get(keyId);
    if (exact) return exact;
    const fp = keyId.split("/")[2];
    return fp ? this.byFingerprint.get(fp.toLowerCase()) : undefined;
  }
}

/** Parse `Signature version="1",keyId="..",algorithm="..",headers="..",signature=".."`. */
export function parseAuthorization(value: string | null): Record<string, string> | undefined {
  if (!value || !/^Signature\s/i.test(value)) return undefined;
  const params: Record<string, string> = {};
  for (const m of value.slice("Signature".length).matchAll(/([A-Za-z]+)="([^"]*)"/g)) {
    params[m[1]!] = m[2]!;
  }
  return params;
}

export function verifyOciSignature(input: SignatureInput, keys: KeyRing): SignatureResult {
  const params = parseAuthorization(input.headers.get("authorization"));
  if (!params) return { ok: false, error: "Missing or non-Signature Authorization header" };
  const { keyId, signature } = params;
  if (!keyId || !signature) return { ok: false, error: "Authorization header lacks keyId or signature" };
  if (params.version !== undefined && params.version !== "1") {
    return { ok: false, keyId, error: `Unsupported signature version ${params.version}` };
  }
  if ((params.algorithm ?? "").toLowerCase() !== "rsa-sha256") {
    return { ok: false, keyId, error: `Unsupported algorithm ${params.algorithm ?? "(none)"}` };
  }

  // draft-cavage: an absent headers parameter means just "date". The SDK sends mixed case.
  const names = (params.headers ?? "date")
    .trim()
    .split(/\s+/)
    .map((n) => n.toLowerCase());
  const method = input.method.toUpperCase();
  const bodySigned = BODY_METHODS.has(method) && !input.bodyHeadersOptional;
  const required = [
    "(request-target)",
    "host",
    ...(bodySigned ? ["content-type", "content-length", "x-content-sha256"] : []),
  ];
  const missing = required.filter((n) => !names.includes(n));
  if (!names.includes("x-date") && !names.includes("date")) missing.unshift("x-date");
  if (missing.length) return { ok: false, keyId, error: `Signed headers missing: ${missing.join(", ")}` };

  const key = keys.find(keyId);
  if (!key) return { ok: false, keyId, error: `Unknown keyId ${keyId}` };

  const lines: string[] = [];
  for (const name of names) {
    if (name === "(request-target)") {
      lines.push(`(request-target): ${method.toLowerCase()} ${input.target}`);
      continue;
    }
    const value = input.headers.get(name);
    if (value === null) return { ok: false, keyId, error: `Signed header ${name} is absent from the request` };
    lines.push(`${name}: ${value}`);
  }
  const signingString = lines.join("\n");
  let valid: boolean;
  try {
    valid = verify("RSA-SHA256", Buffer.from(signingString), key, Buffer.from(signature, "base64"));
  } catch (e) {
    return { ok: false, keyId, error: `Signature verification error: ${(e as Error).message}` };
  }
  if (!valid) return { ok: false, keyId, error: "Signature does not match the signing string" };

  // The signature only covers the headers; the headers must in turn match the body.
  if (names.includes("x-content-sha256")) {
    const digest = createHash("sha256").update(input.body).digest("base64");
    if (digest !== input.headers.get("x-content-sha256")) {
      return { ok: false, keyId, error: "x-content-sha256 does not match the request body" };
    }
  }
  if (names.includes("content-length") && input.headers.get("content-length") !== String(input.body.byteLength)) {
    return { ok: false, keyId, error: "content-length does not match the request body" };
  }

  const dateHeader = names.includes("x-date") ? "x-date" : "date";
  const date = Date.parse(input.headers.get(dateHeader) ?? "");
  if (Number.isNaN(date)) return { ok: false, keyId, error: `Unparseable ${dateHeader} header` };
  const skew = Math.abs(input.now - date);
  if (skew > MAX_CLOCK_SKEW_MS) {
    return { ok: false, keyId, error: `Clock skew of ${Math.round(skew / 1000)}s exceeds 5 minutes (${dateHeader})` };
  }
  return { ok: true, keyId };
}
