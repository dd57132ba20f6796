import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";

/** OCI's fingerprint: colon-separated MD5 of the DER SubjectPublicKeyInfo. */
export function fingerprintOf(key: KeyObject): string {
  const der = createPublicKey(key).export({ type: "spki", format: "der" });
  return createHash("md5").update(der).digest("hex").match(/../g)!.join(":");
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
  try {
    const key = createPrivateKey({ key: pem, format: "pem", passphrase: passPhrase });
    if (key.asymmetricKeyType !== "rsa")
      return { ok: false, message: `key file ${keyFile} holds a ${key.asymmetricKeyType} key; OCI API keys are RSA` };
    return { ok: true, fingerprint: fingerprintOf(key), pem };
  } catch (e) {
    const msg = (e as Error).message;
    const hint = /passphrase|decrypt|bad decrypt/i.test(msg) ? " (encrypted key: check pass_phrase)" : "";
    return { ok: false, message: `key file ${keyFile} is not a readable PEM private key${hint}` };
  }
}
