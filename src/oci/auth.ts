import { readFileSync, statSync } from "node:fs";
import type * as common from "oci-common";
import type { OciAuthMode } from "../config/settings";
import type { Credentials } from "../config/types";
import { createApiKeySigner } from "./api-key-signer";
import { createOciSigner, type RequestSigner } from "./signer";

/**
 * The request signer for the configured auth mode: API keys sign with the key parsed once;
 * every token-based mode goes through oci-common's provider and signer. `onEngine` hears which
 * engine signs, once it is chosen (for API keys, at the first signature). oci-common is loaded
 * only then (it is the heaviest module of the binary and API keys do not need it).
 */
export async function createSigner(
  mode: OciAuthMode,
  creds: Credentials | undefined,
  onEngine?: (engine: string) => void,
): Promise<RequestSigner> {
  if (mode === "api_key" && creds && !creds.securityTokenFile) {
    // Read synchronously: the first asynchronous file read of a process waits for Bun's I/O
    // threads to start, ~3 ms of the start-up this runs in (a key file is a few KB).
    const pem = readFileSync(creds.keyFile!, "utf8");
    return createApiKeySigner(`${creds.tenancy}/${creds.user}/${creds.fingerprint}`, pem, creds.passPhrase, onEngine);
  }
  const signer = await createOciSigner(await createAuthProvider(mode, creds));
  onEngine?.(signer.engine);
  return signer;
}

/**
 * oci-common's authentication provider for the token-based modes (and session-token API keys).
 * Credentials come from our own reader (it knows the seed's header-less file and key paths
 * relative to the file).
 */
export async function createAuthProvider(
  mode: OciAuthMode,
  creds: Credentials | undefined,
): Promise<common.AuthenticationDetailsProvider> {
  const oci = await import("oci-common");
  switch (mode) {
    case "instance_principal":
      return await new oci.InstancePrincipalsAuthenticationDetailsProviderBuilder().build();
    case "resource_principal":
      return oci.ResourcePrincipalAuthenticationDetailsProvider.builder();
    case "api_key": {
      if (!creds) throw new Error("credentials.conf is required for OCI_AUTH=api_key");
      if (creds.securityTokenFile) return new oci.SessionAuthDetailProvider(creds.path, creds.profile);
      const pem = await Bun.file(creds.keyFile!).text();
      return new oci.SimpleAuthenticationDetailsProvider(
        creds.tenancy!,
        creds.user!,
        creds.fingerprint!,
        pem,
        creds.passPhrase ?? null,
      );
    }
    default: {
      const never: never = mode;
      throw new Error(`unknown OCI_AUTH ${String(never)}`);
    }
  }
}

/**
 * What a signer was made from, for a reload to tell whether the key changed: the identity, the
 * key file's path and its size and time (a key replaced in place), the pass phrase, the session
 * token file.
 */
export function signingIdentity(creds: Credentials | undefined): string {
  if (!creds) return "";
  let file = "-";
  try {
    const s = creds.keyFile ? statSync(creds.keyFile) : undefined;
    if (s) file = `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    // A key file gone is a change; creating the signer says what is wrong with it.
  }
  return JSON.stringify([
    creds.tenancy,
    creds.user,
    creds.fingerprint,
    creds.keyFile,
    file,
    creds.passPhrase,
    creds.securityTokenFile,
  ]);
}
