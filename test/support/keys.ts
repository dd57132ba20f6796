/**
 * Test credentials for OCI API-key signing (OCI-WIRE.md §6.1, §6.3).
 *
 * Writes a private key and an OCI config file into a test directory so that both
 * `oci-common`'s ConfigFileAuthenticationDetailsProvider and the fake server (which
 * needs the matching public key) can be wired up from one call.
 */
import { createHash, createPublicKey, generateKeyPairSync } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

export const TEST_TENANCY = "ocid1.tenancy.oc1..aaaatest";
export const TEST_USER = "ocid1.user.oc1..aaaatest";
export const TEST_REGION = "us-chicago-1";
export const KEY_FILE_NAME = "oci_api_key.pem";
export const CONFIG_FILE_NAME = "credentials.conf";

export interface TestCredentialsOptions {
  /** Region written to the config file (default us-chicago-1). */
  region?: string;
  /** Profile section name (default DEFAULT). */
  profile?: string;
  /** Omit the `[PROFILE]` header line entirely (to test lenient/strict parsers). */
  headerless?: boolean;
  /** Write `key_file=oci_api_key.pem` (relative to the config file) instead of an absolute path. */
  relativeKeyFile?: boolean;
}

export interface TestCredentials {
  configPath: string;
  keyFile: string;
  /** PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"), which sshpk in oci-common parses with "auto". */
  privateKeyPem: string;
  /** SPKI PEM ("BEGIN PUBLIC KEY"). */
  publicKeyPem: string;
  /** Colon-separated lower-case hex MD5 of the DER SubjectPublicKeyInfo. */
  fingerprint: string;
  tenancy: string;
  user: string;
  region: string;
  profile: string;
  /** `${tenancy}/${user}/${fingerprint}`: the keyId the SDK puts in the Authorization header. */
  keyId: string;
}

export interface TestKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
  fingerprint: string;
}

/** OCI fingerprint: what `openssl rsa -pubout -outform DER | openssl md5 -c` prints. */
export function ociFingerprint(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
  const hex = createHash("md5").update(der).digest("hex");
  return hex.match(/../g)!.join(":");
}

/** A fresh RSA-2048 key pair (not cached): for "wrong key" tests. */
export function generateTestKeyPair(): TestKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey, fingerprint: ociFingerprint(publicKey) };
}

// RSA keygen costs tens to hundreds of ms; one pair per process is plenty for tests.
let cachedPair: TestKeyPair | undefined;

/** The process-wide cached key pair used by makeTestCredentials. */
export function sharedTestKeyPair(): TestKeyPair {
  cachedPair ??= generateTestKeyPair();
  return cachedPair;
}

export async function makeTestCredentials(dir: string, opts: TestCredentialsOptions = {}): Promise<TestCredentials> {
  const pair = sharedTestKeyPair();
  const region = opts.region ?? TEST_REGION;
  const profile = opts.profile ?? "DEFAULT";
  const absDir = resolve(dir);
  await mkdir(absDir, { recursive: true });

  const keyFile = join(absDir, KEY_FILE_NAME);
  await writeFile(keyFile, pair.privateKeyPem, { mode: 0o600 });

  const lines = [
    ...(opts.headerless ? [] : [`[${profile}]`]),
    `user=${TEST_USER}`,
    `fingerprint=${pair.fingerprint}`,
    `tenancy=${TEST_TENANCY}`,
    `region=${region}`,
    `key_file=${opts.relativeKeyFile ? KEY_FILE_NAME : keyFile}`,
  ];
  const configPath = join(absDir, CONFIG_FILE_NAME);
  await writeFile(configPath, `${lines.join("\n")}\n`, { mode: 0o600 });

  return {
    configPath,
    keyFile,
    privateKeyPem: pair.privateKeyPem,
    publicKeyPem: pair.publicKeyPem,
    fingerprint: pair.fingerprint,
    tenancy: TEST_TENANCY,
    user: TEST_USER,
    region,
    profile,
    keyId: `${TEST_TENANCY}/${TEST_USER}/${pair.fingerprint}`,
  };
}
