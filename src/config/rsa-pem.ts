/**
 * The public half of an unencrypted RSA private key in PEM, read without node:crypto: loading
 * node:crypto costs ~6 ms of every start (docs/architecture.md#start-up-what-loads-when), and all
 * a start needs from the key is that it is one and its fingerprint. Anything else — an encrypted
 * key, another algorithm, a PEM this reader does not take — returns undefined, and node:crypto
 * decides (config/api-key.ts).
 */

/** DER type-length-value: where the value starts and where the element ends. */
interface Tlv {
  tag: number;
  /** Where the element (its tag) begins. */
  at: number;
  start: number;
  end: number;
}

function readTlv(b: Uint8Array, at: number, limit: number): Tlv | undefined {
  if (at + 2 > limit) return undefined;
  const tag = b[at]!;
  let len = b[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const bytes = len & 0x7f;
    if (bytes === 0 || bytes > 4 || start + bytes > limit) return undefined;
    len = 0;
    for (let i = 0; i < bytes; i++) len = len * 256 + b[start + i]!;
    start += bytes;
  }
  const end = start + len;
  return end <= limit ? { tag, at, start, end } : undefined;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OCTET_STRING = 0x04;
const OID = 0x06;
/** 1.2.840.113549.1.1.1 (rsaEncryption), as DER content bytes. */
const RSA_ENCRYPTION = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/** PKCS#1 RSAPrivateKey: version and eight integers (n, e, d, p, q, dp, dq, qinv); n and e as TLVs. */
function rsaPrivateKey(b: Uint8Array, from: number, to: number): { n: Uint8Array; e: Uint8Array } | undefined {
  const seq = readTlv(b, from, to);
  if (!seq || seq.tag !== SEQUENCE || seq.end !== to) return undefined;
  const ints: Tlv[] = [];
  for (let at = seq.start; at < seq.end; ) {
    const t = readTlv(b, at, seq.end);
    if (!t) return undefined;
    if (t.tag !== INTEGER) break; // otherPrimeInfos (multi-prime keys) follow as a SEQUENCE
    ints.push(t);
    at = t.end;
  }
  if (ints.length < 9) return undefined;
  const [version, n, e] = ints as [Tlv, Tlv, Tlv];
  const v = b.subarray(version.start, version.end);
  if (v.length !== 1 || v[0]! > 1) return undefined;
  // A modulus and exponent are positive: an INTEGER's first content byte below 0x80.
  if (n.end - n.start < 2 || b[n.start]! >= 0x80 || b[e.start]! >= 0x80) return undefined;
  return { n: b.subarray(n.at, n.end), e: b.subarray(e.at, e.end) };
}

function derLength(len: number): number[] {
  if (len < 0x80) return [len];
  const bytes: number[] = [];
  for (let l = len; l > 0; l = Math.floor(l / 256)) bytes.unshift(l % 256);
  return [0x80 | bytes.length, ...bytes];
}

function der(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const len = parts.reduce((a, p) => a + p.length, 0);
  const head = [tag, ...derLength(len)];
  const out = new Uint8Array(head.length + len);
  out.set(head, 0);
  let at = head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** AlgorithmIdentifier { rsaEncryption, NULL }. */
const RSA_ALGORITHM = Uint8Array.of(SEQUENCE, 13, OID, 9, ...RSA_ENCRYPTION, 0x05, 0x00);

/** PKCS#8 PrivateKeyInfo holding an RSA key: the span of the inner RSAPrivateKey. */
function pkcs8Rsa(b: Uint8Array): { from: number; to: number } | undefined {
  const seq = readTlv(b, 0, b.length);
  if (!seq || seq.tag !== SEQUENCE || seq.end !== b.length) return undefined;
  const version = readTlv(b, seq.start, seq.end);
  if (!version || version.tag !== INTEGER) return undefined;
  const alg = readTlv(b, version.end, seq.end);
  if (!alg || alg.tag !== SEQUENCE) return undefined;
  const oid = readTlv(b, alg.start, alg.end);
  if (!oid || oid.tag !== OID || oid.end - oid.start !== RSA_ENCRYPTION.length) return undefined;
  for (let i = 0; i < RSA_ENCRYPTION.length; i++) if (b[oid.start + i] !== RSA_ENCRYPTION[i]) return undefined;
  const key = readTlv(b, alg.end, seq.end);
  if (!key || key.tag !== OCTET_STRING) return undefined;
  return { from: key.start, to: key.end };
}

/**
 * The DER SubjectPublicKeyInfo of the PEM's RSA private key (PKCS#1 `RSA PRIVATE KEY` or PKCS#8
 * `PRIVATE KEY`, unencrypted) — the bytes OCI's fingerprint is the MD5 of — or undefined.
 */
export function rsaPublicKeyInfo(pem: string): Uint8Array | undefined {
  const m = /-----BEGIN (RSA PRIVATE KEY|PRIVATE KEY)-----\r?\n([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m) return undefined;
  const body = m[2]!;
  // PEM headers (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: …`) mean an encrypted legacy key.
  if (body.includes(":")) return undefined;
  const b64 = body.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return undefined;
  const bytes: Uint8Array = Buffer.from(b64, "base64");
  try {
    const span = m[1] === "RSA PRIVATE KEY" ? { from: 0, to: bytes.length } : pkcs8Rsa(bytes);
    const key = span && rsaPrivateKey(bytes, span.from, span.to);
    if (!key) return undefined;
    // der() copies n and e, so the private key's bytes can be wiped below.
    const rsaPublicKey = der(SEQUENCE, key.n, key.e);
    return der(SEQUENCE, RSA_ALGORITHM, der(0x03, Uint8Array.of(0), rsaPublicKey));
  } finally {
    bytes.fill(0); // the private key, decoded: not left in memory for the collector to find
  }
}

/** OCI's fingerprint of a DER SubjectPublicKeyInfo: its MD5, colon-separated. */
export function fingerprintOfSpki(spki: Uint8Array): string {
  return new Bun.CryptoHasher("md5").update(spki).digest("hex").match(/../g)!.join(":");
}
