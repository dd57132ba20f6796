import { describe, expect, test } from "bun:test";
import * as common from "oci-common";
import { createApiKeySigner } from "../../src/oci/api-key-signer";
import { createOciSigner } from "../../src/oci/signer";
import { ociFingerprint, sharedTestKeyPair } from "../support/keys";

const TENANCY = "ocid1.tenancy.oc1..aaaatest";
const USER = "ocid1.user.oc1..aaaatest";

/** The signer as made with OCIGENAI_SIGNER set to `engine` (unset: OpenSSL where the system has it). */
function signerWith(engine: string | undefined, keyId: string, pem: string) {
  const saved = process.env.OCIGENAI_SIGNER;
  if (engine === undefined) delete process.env.OCIGENAI_SIGNER;
  else process.env.OCIGENAI_SIGNER = engine;
  try {
    return createApiKeySigner(keyId, pem);
  } finally {
    if (saved === undefined) delete process.env.OCIGENAI_SIGNER;
    else process.env.OCIGENAI_SIGNER = saved;
  }
}

describe.each([
  ["default engine", undefined],
  ["node:crypto engine", "node"],
])("createApiKeySigner (%s) matches oci-common's DefaultRequestSigner byte for byte", (_label, engine) => {
  const pair = sharedTestKeyPair();
  const fingerprint = ociFingerprint(pair.publicKeyPem);
  const fast = signerWith(engine, `${TENANCY}/${USER}/${fingerprint}`, pair.privateKeyPem);
  test("engine", () => {
    if (engine === "node") expect(fast.engine).toBe("node:crypto (OCIGENAI_SIGNER=node)");
    else if (process.platform === "linux") expect(fast.engine).toBe("openssl");
  });
  const reference = createOciSigner(
    new common.SimpleAuthenticationDetailsProvider(TENANCY, USER, fingerprint, pair.privateKeyPem, null),
  );
  const date = "Thu, 26 Nov 2026 22:09:30 GMT";

  const cases: Array<[string, "GET" | "POST" | "PUT" | "DELETE", string, string | undefined, boolean]> = [
    [
      "POST JSON",
      "POST",
      "http://127.0.0.1:18080/20231130/actions/chat",
      JSON.stringify({ a: "é ünïcode", b: [1, 2] }),
      false,
    ],
    [
      "POST empty body",
      "POST",
      "https://inference.generativeai.us-chicago-1.oci.oraclecloud.com/20231130/actions/chat",
      undefined,
      false,
    ],
    [
      "GET with query",
      "GET",
      "https://objectstorage.us-chicago-1.oraclecloud.com/n/ns/b/bk/o?prefix=genai-uploads%2F&fields=name,size",
      undefined,
      false,
    ],
    ["DELETE", "DELETE", "http://127.0.0.1:1/20240531/agentEndpoints/ocid1.x/sessions/ocid1.s", undefined, false],
    ["PUT object, body excluded", "PUT", "http://127.0.0.1:1/n/ns/b/bk/o/genai-uploads%2Fa.png", undefined, true],
    ["PUT JSON", "PUT", "http://127.0.0.1:1/20240531/agentEndpoints/e/sessions/s", '{"displayName":"x"}', false],
  ];
  test.each(cases)("%s", async (_name, method, url, body, excludeBody) => {
    const a = new Headers({ "x-date": date, "content-type": "application/json" });
    const b = new Headers({ "x-date": date, "content-type": "application/json" });
    await fast.sign(method, url, a, body, excludeBody);
    await (await reference).sign(method, url, b, body, excludeBody);
    expect(a.get("authorization")).toBe(b.get("authorization"));
    for (const h of ["host", "x-content-sha256", "content-length"]) expect(a.get(h)).toBe(b.get(h));
    // The transport hands the body over as its UTF-8 bytes (encoded once for digest and wire): same headers.
    if (body !== undefined) {
      const c = new Headers({ "x-date": date, "content-type": "application/json" });
      await fast.sign(method, url, c, new TextEncoder().encode(body), excludeBody);
      for (const h of ["authorization", "x-content-sha256", "content-length"]) expect(c.get(h)).toBe(a.get(h));
    }
  });
});
