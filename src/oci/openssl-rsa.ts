import type { Pointer } from "bun:ffi";
import type { KeyObject } from "node:crypto";
import { nodeCrypto } from "../lib/node-crypto";

/**
 * RSA PKCS#1 v1.5 SHA-256 signatures through the system's OpenSSL (libcrypto), called over
 * `bun:ffi`. Bun's own `node:crypto` signs with BoringSSL at ~0.6–0.7 ms per RSA-2048 signature;
 * OpenSSL 3 does the same in ~0.25 ms on the same core, and one signature per upstream call is
 * most of what the gateway costs (docs/oci-wire.md#the-gateways-signers, BENCHMARKS.md).
 *
 * The signature is the same bytes either way (PKCS#1 v1.5 is deterministic): before it is used,
 * every key signs a probe message with both engines and OpenSSL is kept only if they agree.
 * Anything else — not Linux, no libcrypto, an FFI failure, `OCIGENAI_SIGNER=node` — leaves the
 * caller on `node:crypto`, so the gateway never depends on the library being there.
 */

/** Signs `data` (SHA-256, PKCS#1 v1.5) and returns the raw signature bytes. */
export type RsaSign = (data: Uint8Array) => Buffer;

// libcrypto.so.3 is OpenSSL 3 (Debian 12, Ubuntu 22.04+, RHEL 9); .so.1.1 has the same calls.
const LIBRARIES = ["libcrypto.so.3", "libcrypto.so.1.1"];
const PROBE = Buffer.from("ocigenai: openssl signer self-check\n(request-target): post /20231130/actions/chat");
// Room for a 8,192-bit modulus; OCI API keys are 2,048 bits.
const MAX_SIGNATURE = 1024;

type Lib = ReturnType<typeof openLibrary>;

// bun:ffi is loaded with the library, not at start-up: the engine is chosen after the gateway
// listens, and the bundler hoists every static import of a built-in to the top of the binary.
let ffi: typeof import("bun:ffi") | undefined;

function openLibrary(path: string) {
  ffi ??= require("bun:ffi") as typeof import("bun:ffi");
  const { dlopen, FFIType } = ffi;
  return dlopen(path, {
    d2i_AutoPrivateKey: { args: [FFIType.ptr, FFIType.ptr, FFIType.i64], returns: FFIType.ptr },
    EVP_PKEY_free: { args: [FFIType.ptr], returns: FFIType.void },
    EVP_sha256: { args: [], returns: FFIType.ptr },
    EVP_MD_CTX_new: { args: [], returns: FFIType.ptr },
    EVP_MD_CTX_free: { args: [FFIType.ptr], returns: FFIType.void },
    EVP_DigestSignInit: {
      args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr],
      returns: FFIType.i32,
    },
    EVP_DigestSign: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u64], returns: FFIType.i32 },
  });
}

let library: Lib | null | undefined;

/** The library, opened once per process; null when it cannot be (then nothing is retried). */
function libcrypto(): Lib | null {
  if (library !== undefined) return library;
  library = null;
  // macOS's unversioned libcrypto aborts the process when loaded; elsewhere node:crypto is fine.
  if (process.platform !== "linux") return null;
  for (const name of LIBRARIES) {
    try {
      library = openLibrary(name);
      break;
    } catch {
      // not installed under this name; try the next
    }
  }
  return library;
}

// Frees the OpenSSL key when a signer is dropped (a credentials reload makes a new one).
const keys = new FinalizationRegistry<Pointer>((pkey) => library?.symbols.EVP_PKEY_free(pkey));

/** Why the OpenSSL engine is not used for this key, or its signing function. */
export function opensslSigner(key: KeyObject, env: Record<string, string | undefined> = process.env): RsaSign | string {
  if (env.OCIGENAI_SIGNER === "node") return "OCIGENAI_SIGNER=node";
  if (key.asymmetricKeyType !== "rsa") return `key type ${key.asymmetricKeyType}`;
  const lib = libcrypto();
  if (!lib) return "no libcrypto.so.3 or .so.1.1 on this system";
  const s = lib.symbols;
  const { ptr } = ffi!;
  // DER (PKCS#8, unencrypted, only in memory) is what d2i_AutoPrivateKey reads; node:crypto has
  // already dealt with PEM, PKCS#1 versus PKCS#8 and the pass phrase.
  const der = new Uint8Array(key.export({ format: "der", type: "pkcs8" }));
  const cursor = new BigUint64Array([BigInt(ptr(der))]);
  const pkey = s.d2i_AutoPrivateKey(null, ptr(cursor), der.length);
  der.fill(0);
  if (!pkey) return "libcrypto could not read the key";
  const sha256 = s.EVP_sha256();
  const out = new Uint8Array(MAX_SIGNATURE);
  const outLength = new BigUint64Array(1);
  const rsaSign: RsaSign = (data) => {
    const ctx = s.EVP_MD_CTX_new();
    if (!ctx) throw new Error("EVP_MD_CTX_new failed");
    try {
      outLength[0] = BigInt(MAX_SIGNATURE);
      // A zero-length input still needs a valid pointer.
      const input = data.byteLength > 0 ? data : PROBE;
      if (
        s.EVP_DigestSignInit(ctx, null, sha256, null, pkey) !== 1 ||
        s.EVP_DigestSign(ctx, ptr(out), ptr(outLength), ptr(input), data.byteLength) !== 1
      ) {
        throw new Error("OpenSSL could not sign");
      }
      return Buffer.from(out.subarray(0, Number(outLength[0])));
    } finally {
      s.EVP_MD_CTX_free(ctx);
    }
  };
  try {
    if (!rsaSign(PROBE).equals(nodeCrypto().sign("sha256", PROBE, key))) throw new Error("signatures differ");
  } catch (e) {
    s.EVP_PKEY_free(pkey);
    return `self-check failed: ${(e as Error).message}`;
  }
  keys.register(rsaSign, pkey as Pointer);
  return rsaSign;
}
