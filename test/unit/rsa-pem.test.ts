/** The start-up key reader gives node:crypto's exact public key, or steps aside. */
import { describe, expect, test } from "bun:test";
import { createHash, createPublicKey, generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspectApiKey } from "../../src/config/api-key";
import { fingerprintOfSpki, rsaPublicKeyInfo } from "../../src/config/rsa-pem";
import { tempDir } from "../support/gateway";
import { sharedTestKeyPair } from "../support/keys";

const nodeFingerprint = (spki: Buffer) => createHash("md5").update(spki).digest("hex").match(/../g)!.join(":");

describe("rsaPublicKeyInfo", () => {
  test("PKCS#1 and PKCS#8, 2,048 and 4,096 bits: node:crypto's SubjectPublicKeyInfo and fingerprint", () => {
    const keys = [
      generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey,
      generateKeyPairSync("rsa", { modulusLength: 4096 }).privateKey,
    ];
    for (const key of keys) {
      const spki = createPublicKey(key).export({ type: "spki", format: "der" });
      for (const type of ["pkcs1", "pkcs8"] as const) {
        const pem = key.export({ type, format: "pem" }) as string;
        const mine = rsaPublicKeyInfo(pem);
        expect(mine).toBeDefined();
        expect(Buffer.from(mine!).equals(spki)).toBe(true);
        expect(fingerprintOfSpki(mine!)).toBe(nodeFingerprint(spki));
        // CRLF line ends and text around the block, as editors and some tools leave them.
        expect(Buffer.from(rsaPublicKeyInfo(`comment\r\n${pem.replaceAll("\n", "\r\n")}trailer`)!).equals(spki)).toBe(
          true,
        );
      }
    }
  });

  test("encrypted keys, other algorithms and damaged PEM are left to node:crypto", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const encrypted8 = rsa.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }) as string;
    const encrypted1 = rsa.export({ type: "pkcs1", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }) as string;
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const ed = generateKeyPairSync("ed25519").privateKey;
    const good = rsa.export({ type: "pkcs1", format: "pem" }) as string;
    const lines = good.trim().split("\n");
    const truncated = [...lines.slice(0, 5), lines.at(-1)].join("\n");
    for (const pem of [
      encrypted8,
      encrypted1,
      ec.export({ type: "pkcs8", format: "pem" }) as string,
      ec.export({ type: "sec1", format: "pem" }) as string,
      ed.export({ type: "pkcs8", format: "pem" }) as string,
      truncated,
      good.replace(/[A-Za-z]/, "!"),
      "-----BEGIN RSA PRIVATE KEY-----\nnot base64 at all!!\n-----END RSA PRIVATE KEY-----\n",
      "",
    ])
      expect(rsaPublicKeyInfo(pem)).toBeUndefined();
  });
});

describe("inspectApiKey", () => {
  const dir = tempDir();
  const write = (name: string, pem: string) => {
    const file = join(dir, name);
    writeFileSync(file, pem);
    return file;
  };

  test("the usual key and an encrypted one give the same fingerprint as node:crypto", () => {
    const pair = sharedTestKeyPair();
    const spki = createPublicKey(pair.privateKeyPem).export({ type: "spki", format: "der" });
    const plain = inspectApiKey(write("plain.pem", pair.privateKeyPem));
    expect(plain).toMatchObject({ ok: true, fingerprint: nodeFingerprint(spki) });
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const file = write(
      "enc.pem",
      rsa.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }) as string,
    );
    const fp = nodeFingerprint(createPublicKey(rsa).export({ type: "spki", format: "der" }));
    expect(inspectApiKey(file, "pw")).toMatchObject({ ok: true, fingerprint: fp });
    const wrong = inspectApiKey(file, "nope");
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.message).toContain("check pass_phrase");
  });

  test("a key of another algorithm is named", () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const r = inspectApiKey(write("ec.pem", ec.export({ type: "pkcs8", format: "pem" }) as string));
    expect(r).toEqual({ ok: false, message: `key file ${join(dir, "ec.pem")} holds a ec key; OCI API keys are RSA` });
  });
});
