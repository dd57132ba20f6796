import { type FakeOci, startFakeOci } from "./fake-oci";
import { tempDir, writeModels } from "./gateway";
import { makeTestCredentials } from "./keys";

/**
 * The fake OCI of a real-path suite, checking every signature, and a fresh config dir for the
 * gateway under test holding `models` and the test key's credentials (with a relative key_file).
 */
export async function signedFakeOci(models?: unknown): Promise<{ fake: FakeOci; dir: string }> {
  const dir = tempDir();
  const creds = await makeTestCredentials(dir, { relativeKeyFile: true });
  const fake = await startFakeOci({ keys: [creds] });
  writeModels(dir, models);
  return { fake, dir };
}
