import type { KeyObject } from "node:crypto";
import { rsaPublicKeyInfo } from "../config/rsa-pem";
import { nodeCrypto } from "../lib/node-crypto";
import { opensslSigner } from "./openssl-rsa";
import type { RequestSigner } from "./signer";

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);
const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);
const BASE_HEADERS = ["x-date", "(request-target)", "host"];
// Spelled as oci-common's signer lists them, so the Authorization header is byte for byte the same.
const BODY_HEADERS = ["Content-Type", "Content-Length", "x-content-sha256"];

/**
 * OCI HTTP Signature v1 for API keys, with the key parsed once into a `KeyObject`. It produces
 * exactly the Authorization header oci-common's DefaultRequestSigner produces (RSA PKCS#1 v1.5 is
 * deterministic: same date, same request → same signature; a test holds the two side by side),
 * at a fraction of the CPU per call — and signing is most of what a gateway costs here
 * (BENCHMARKS.md; docs/oci-wire.md#the-gateways-signers). The RSA step runs in the system's
 * OpenSSL when it is there (openssl-rsa.ts), else in node:crypto. Token-based auth
 * (instance/resource principals, session tokens) keeps oci-common's signer, which also
 * refreshes the tokens.
 */
export function createApiKeySigner(
  keyId: string,
  privateKeyPem: string,
  passphrase?: string,
  onEngine?: (engine: string) => void,
): RequestSigner {
  // A bad key or passphrase must fail start-up, not the first request. An unencrypted RSA key
  // was read at start already (config/api-key.ts) and is parsed by node:crypto at first use,
  // with the engine; any other key is parsed now.
  let key: KeyObject | undefined;
  const keyObject = () => {
    key ??= nodeCrypto().createPrivateKey({ key: privateKeyPem, format: "pem", passphrase });
    return key;
  };
  if (!rsaPublicKeyInfo(privateKeyPem)) keyObject();
  // The engine is chosen at first use (serve asks for it shortly after start): loading OpenSSL and
  // node:crypto and checking one against the other costs ~12 ms, which start-up should not pay.
  let rsaSign: ((data: Uint8Array) => Buffer) | undefined;
  let engine = "";
  const env = { OCIGENAI_SIGNER: process.env.OCIGENAI_SIGNER }; // as it was when the signer was made
  const choose = () => {
    const k = keyObject();
    const openssl = opensslSigner(k, env);
    engine = typeof openssl === "function" ? "openssl" : `node:crypto (${openssl})`;
    const { sign } = nodeCrypto();
    rsaSign = typeof openssl === "function" ? openssl : (data: Uint8Array) => sign("sha256", data, k);
    onEngine?.(engine);
    return rsaSign;
  };
  return {
    get engine() {
      if (!rsaSign) choose();
      return engine;
    },
    async sign(method, url, headers, body, excludeBody) {
      const u = new URL(url);
      if (!headers.has("host")) headers.set("host", u.host);
      if (!headers.has("x-date")) headers.set("x-date", new Date().toUTCString());
      const names = [...BASE_HEADERS];
      if (!excludeBody && BODY_METHODS.has(method)) {
        // One UTF-8 encoding serves the digest, the length and (from signed-http) the wire.
        const bytes = body === undefined ? EMPTY : typeof body === "string" ? utf8.encode(body) : body;
        if (!headers.has("content-type")) headers.set("content-type", "application/json");
        headers.set("x-content-sha256", new Bun.CryptoHasher("sha256").update(bytes).digest("base64"));
        if (!headers.has("content-length")) headers.set("content-length", String(bytes.byteLength));
        names.push(...BODY_HEADERS);
      }
      const lines = names.map((n) =>
        n === "(request-target)"
          ? `(request-target): ${method.toLowerCase()} ${u.pathname}${u.search}`
          : `${n.toLowerCase()}: ${headers.get(n)}`,
      );
      const signature = (rsaSign ?? choose())(Buffer.from(lines.join("\n"))).toString("base64");
      headers.set(
        "authorization",
        `Signature version="1",keyId="${keyId}",algorithm="rsa-sha256",headers="${names.join(" ")}",signature="${signature}"`,
      );
    },
  };
}
