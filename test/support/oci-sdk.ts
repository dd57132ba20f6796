import type { TestCredentials } from "./keys";

/**
 * For tests that drive OCI's own SDK clients (oci-generativeai*, oci-objectstorage) against the
 * fake OCI.
 *
 * Where "Request cannot be retried. Not Retrying. Exception occurred : …" comes from: oci-common's
 * GenericRetrier.makeServiceCall (node_modules/oci-common/lib/retrier.js) wraps every SDK client
 * call and, for any answer that is not 2xx, calls console.warn() with that line — or with "All
 * retry attempts have exhausted. …" once its attempts run out — before it throws the OciError.
 * The warning is unconditional: no retry configuration, logger or environment variable turns it
 * off. The product never goes through it (src/oci signs with oci-common and sends with fetch
 * itself); only these tests do, on the calls that they make fail on purpose. So those calls go
 * through `sdkFailure`, which takes the rejection and keeps the retrier's warning about it out of
 * the test output. Any other warning still reaches the console.
 */

/** The two lines GenericRetrier.makeServiceCall warns with when it gives up on a call. */
const RETRIER_GAVE_UP = /^(Request cannot be retried\. Not Retrying\.|All retry attempts have exhausted\.)/;

/** What an SDK call that must fail rejects with (an OciError for answers from the fake). */
export async function sdkFailure(call: Promise<unknown>): Promise<unknown> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!RETRIER_GAVE_UP.test(String(args[0]))) warn(...args);
  };
  try {
    return await call.then(
      () => {
        throw new Error("expected the SDK call to fail, it succeeded");
      },
      (e: unknown) => e,
    );
  } finally {
    console.warn = warn;
  }
}

/**
 * oci-common's provider for the test key, loaded here on first use: the caller's file must set
 * OCI_SDK_DEFAULT_RETRY_ENABLED / OCI_SDK_DEFAULT_CIRCUITBREAKER_ENABLED before oci-common is
 * imported anywhere (every copy reads them at load).
 */
export async function sdkProvider(
  creds: TestCredentials,
  privateKeyPem = creds.privateKeyPem,
  fingerprint = creds.fingerprint,
) {
  const common = await import("oci-common");
  return new common.SimpleAuthenticationDetailsProvider(
    creds.tenancy,
    creds.user,
    fingerprint,
    privateKeyPem,
    null,
    common.Region.US_CHICAGO_1,
  );
}
