/** The OpenSSL signing engine gives node:crypto's exact bytes, or steps aside with a reason. */
import { describe, expect, test } from "bun:test";
import { createPrivateKey, generateKeyPairSync, sign } from "node:crypto";
import { opensslSigner } from "../../src/oci/openssl-rsa";
import { sharedTestKeyPair } from "../support/keys";

const linuxWithLibcrypto = process.platform === "linux";

describe("opensslSigner", () => {
  const pem = sharedTestKeyPair().privateKeyPem;

  test.if(linuxWithLibcrypto)("signs exactly as node:crypto, for every input size", () => {
    const key = createPrivateKey(pem);
    const engine = opensslSigner(key, {});
    expect(typeof engine).toBe("function");
    if (typeof engine !== "function") return;
    const inputs = [
      new Uint8Array(0),
      Buffer.from("x-date: Thu, 26 Nov 2026 22:09:30 GMT\n(request-target): post /20231130/actions/chat"),
      Buffer.from("é ünïcode 🙂".repeat(100)),
      Buffer.alloc(200_000, 7),
    ];
    for (const data of inputs) expect(engine(data).equals(sign("sha256", data, key))).toBe(true);
    // The output buffer is reused inside; what was returned must not change afterwards.
    const first = engine(inputs[1]!);
    const copy = Buffer.from(first);
    engine(inputs[2]!);
    expect(first.equals(copy)).toBe(true);
  });

  test.if(linuxWithLibcrypto)("PKCS#8, encrypted PEM and a 4,096-bit key give the same bytes too", () => {
    const big = generateKeyPairSync("rsa", { modulusLength: 4096 });
    const encrypted = big.privateKey.export({
      format: "pem",
      type: "pkcs8",
      cipher: "aes-256-cbc",
      passphrase: "s3cret",
    }) as string;
    const keys = [
      createPrivateKey(createPrivateKey(pem).export({ format: "pem", type: "pkcs8" }) as string),
      createPrivateKey({ key: encrypted, format: "pem", passphrase: "s3cret" }),
    ];
    const data = Buffer.from("(request-target): get /20231130/models");
    for (const key of keys) {
      const engine = opensslSigner(key, {});
      if (typeof engine !== "function") throw new Error(engine);
      expect(engine(data).equals(sign("sha256", data, key))).toBe(true);
    }
  });

  test("OCIGENAI_SIGNER=node and non-RSA keys stay on node:crypto, saying why", () => {
    expect(opensslSigner(createPrivateKey(pem), { OCIGENAI_SIGNER: "node" })).toBe("OCIGENAI_SIGNER=node");
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    expect(opensslSigner(ec, {})).toBe("key type ec");
  });
});
