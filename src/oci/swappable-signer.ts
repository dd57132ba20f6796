import type { RequestSigner } from "./signer";

/**
 * The signer the transport holds for the life of the process, whose key a reload may replace: a
 * rotated API key (a new key file and fingerprint in credentials.conf, then SIGHUP) signs the
 * next request, without a restart that would drop streams (docs/configuration.md#reload).
 */
export class SwappableSigner implements RequestSigner {
  constructor(private current: RequestSigner) {}

  get engine(): string {
    return this.current.engine;
  }

  sign(...args: Parameters<RequestSigner["sign"]>): Promise<void> {
    return this.current.sign(...args);
  }

  replace(next: RequestSigner): void {
    this.current = next;
  }
}
