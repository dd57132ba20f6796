import type { KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { nodeCrypto } from "../lib/node-crypto";
import { fingerprintOfSpki, rsaPublicKeyInfo } from "./rsa-pem";

/** OCI's fingerprint: colon-separated MD5 of the DER SubjectPublicKeyInfo. */
export function fingerprintOf(key: KeyObject): string {
  return fingerprintOfSpki(nodeCrypto().createPublicKey(key).export({ type: "spki", format: "der" }));
}

export type KeyInspection = { ok: true; fingerprint: string; pem: string } | { ok: false; message: string };

/** Reads and parses the private key the way signing will need it, so a bad key fails at start-up. */
export function inspectApiKey(keyFile: string, passPhrase?: string): KeyInspection {
  let pem: string;
  try {
    pem = readFileSync(keyFile, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      ok: false,
      message:
        code === "ENOENT"
          ? `key file not found: ${keyFile}`
          : `cannot read key file ${keyFile}: ${(e as Error).message}`,
    };
  }
  // The usual key (unencrypted RSA) is read here; anything else is left to node:crypto.
  const spki = rsaPublicKeyInfo(pem);
  if (spki) return { ok: true, fingerprint: fingerprintOfSpki(spki), pem };
  try {
    const key = nodeCrypto().createPrivateKey({ key: pem, format: "pem", passphrase: passPhrase });
    if (key.asymmetricKeyType !== "rsa")
      return { ok: false, message: `key file ${keyFile} holds a ${key.asymmetricKeyType} key; OCI API keys are RSA` };
    return { ok: true, fingerprint: fingerprintOf(key), pem };
  } catch (e) {
    const msg = (e as Error).message;
    // An encrypted key says so in its header; the error alone does not always (a wrong pass
    // phrase leaves AES-CBC's padding valid once in 256 tries, and the failure is then the DER's).
    const encrypted =
      /passphrase|decrypt/i.test(msg) || /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem);
    const hint = encrypted ? " (encrypted key: check pass_phrase)" : "";
    return { ok: false, message: `key file ${keyFile} is not a readable PEM private key${hint}` };
  }
}
