import type * as common from "oci-common";

/** Signs one outgoing request in place (OCI HTTP Signature v1; headers are added to `headers`). */
export interface RequestSigner {
  /** What does the RSA step, for the start-up log: "openssl", "node:crypto (why)", "oci-common". */
  readonly engine: string;
  /**
   * `body`: the JSON body as sent (its UTF-8 bytes, or the text). `excludeBody`: sign only date,
   * target and host (Object Storage uploads, as OCI's SDK does).
   */
  sign(
    method: "GET" | "HEAD" | "POST" | "PUT" | "DELETE",
    url: string,
    headers: Headers,
    body?: string | Uint8Array,
    excludeBody?: boolean,
  ): Promise<void>;
}

/** oci-common's signer: the one implementation OCI itself maintains for every auth mode. */
export async function createOciSigner(provider: common.AuthenticationDetailsProvider): Promise<RequestSigner> {
  const { DefaultRequestSigner } = await import("oci-common");
  const signer = new DefaultRequestSigner(provider);
  return {
    engine: "oci-common",
    async sign(method, uri, headers, body, excludeBody) {
      const text = body === undefined || typeof body === "string" ? body : new TextDecoder().decode(body);
      await signer.signHttpRequest({ method: method as common.Method, uri, headers, body: text }, excludeBody === true);
    },
  };
}
