/** credentials.conf reading (CONTRACT §2; src/config/credentials.ts, src/config/ini.ts). */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { loadCredentials, resolveKeyPath } from "../../src/config/credentials";
import { parseIni } from "../../src/config/ini";

const root = mkdtempSync(join(tmpdir(), "ocigenai-creds-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
/** Writes `text` to a fresh credentials.conf in its own directory and returns the path. */
function conf(text: string): string {
  const dir = join(root, `c${++n}`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "credentials.conf");
  writeFileSync(path, text);
  return path;
}

const SEED = [
  "user=ocid1.user.oc1..u",
  "fingerprint=aa:bb:cc",
  "tenancy=ocid1.tenancy.oc1..t",
  "region=sa-saopaulo-1",
  "key_file=oci_api_key.pem",
].join("\n");

describe("parseIni", () => {
  test("lines before any header belong to DEFAULT; keys are trimmed and lower-cased; comments skipped", () => {
    const { sections, problems } = parseIni(
      "\uFEFF# comment\n; other\n  User = u1 \r\n[PROD]\nregion= eu-frankfurt-1\n\n",
    );
    expect(problems).toEqual([]);
    expect(sections.get("DEFAULT")!.get("user")).toBe("u1");
    expect(sections.get("PROD")!.get("region")).toBe("eu-frankfurt-1");
  });

  test("a value may contain '='", () => {
    const { sections } = parseIni("pass_phrase=a=b=c");
    expect(sections.get("DEFAULT")!.get("pass_phrase")).toBe("a=b=c");
  });

  test("a line that is neither key=value nor a header is reported with its line number", () => {
    const { problems } = parseIni("[DEFAULT]\nuser=u\ngarbage line\n=novalue");
    expect(problems.map((p) => p.line)).toEqual([3, 4]);
  });
});

describe("loadCredentials", () => {
  test("a header-less seed file is read as DEFAULT", () => {
    const path = conf(`${SEED}\n`);
    const r = loadCredentials(path, "DEFAULT");
    expect(r.problems).toEqual([]);
    expect(r.credentials).toMatchObject({
      path,
      profile: "DEFAULT",
      user: "ocid1.user.oc1..u",
      fingerprint: "aa:bb:cc",
      tenancy: "ocid1.tenancy.oc1..t",
      region: "sa-saopaulo-1",
      testMode: false,
    });
  });

  test("key_file is resolved relative to the credentials file's directory, not the cwd", () => {
    const path = conf(SEED);
    const r = loadCredentials(path, "DEFAULT");
    expect(r.credentials!.keyFile).toBe(join(path, "..", "oci_api_key.pem"));
    const sub = conf("[DEFAULT]\nkey_file=keys/../keys/k.pem\nsecurity_token_file=token\n");
    const c = loadCredentials(sub, "DEFAULT").credentials!;
    expect(c.keyFile).toBe(join(sub, "..", "keys", "k.pem"));
    expect(c.securityTokenFile).toBe(join(sub, "..", "token"));
  });

  test("an absolute key_file is kept", () => {
    const r = loadCredentials(conf("key_file=/opt/keys/k.pem"), "DEFAULT");
    expect(r.credentials!.keyFile).toBe("/opt/keys/k.pem");
  });

  test("~ in key_file expands to the home directory", () => {
    const r = loadCredentials(conf("key_file=~/.oci/oci_api_key.pem"), "DEFAULT");
    expect(r.credentials!.keyFile).toBe(join(homedir(), ".oci", "oci_api_key.pem"));
    expect(resolveKeyPath("~", "/x/credentials.conf")).toBe(homedir());
    expect(resolveKeyPath("rel/k.pem", "/x/y/credentials.conf")).toBe("/x/y/rel/k.pem");
  });

  test("other profiles inherit DEFAULT's keys and override them", () => {
    const path = conf(`[DEFAULT]\n${SEED}\n\n[PROD]\nregion=us-ashburn-1\nfingerprint=11:22:33\n`);
    const prod = loadCredentials(path, "PROD");
    expect(prod.problems).toEqual([]);
    expect(prod.credentials).toMatchObject({
      profile: "PROD",
      user: "ocid1.user.oc1..u",
      tenancy: "ocid1.tenancy.oc1..t",
      region: "us-ashburn-1",
      fingerprint: "11:22:33",
      keyFile: join(path, "..", "oci_api_key.pem"),
    });
    expect(loadCredentials(path, "DEFAULT").credentials!.region).toBe("sa-saopaulo-1");
  });

  test.each(["test_mode=true", "test_mode=TRUE", "test_mode = 1"])("%p turns testMode on (seed behaviour)", (line) => {
    const r = loadCredentials(conf(`${line}\n`), "DEFAULT");
    expect(r.credentials!.testMode).toBe(true);
  });

  test("test_mode=false leaves testMode off", () => {
    expect(loadCredentials(conf("test_mode=false\n"), "DEFAULT").credentials!.testMode).toBe(false);
  });

  test("empty values count as absent", () => {
    const r = loadCredentials(conf("user=\nregion=us-chicago-1\n"), "DEFAULT");
    expect(r.credentials!.user).toBeUndefined();
    expect(r.credentials!.region).toBe("us-chicago-1");
  });

  test("a missing profile is a problem listing the profiles that exist", () => {
    const path = conf(`[DEFAULT]\n${SEED}\n[DEV]\nregion=us-ashburn-1\n`);
    const r = loadCredentials(path, "PROD");
    expect(r.credentials).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ file: path, field: "[PROD]" });
    expect(r.problems[0]!.message).toContain("DEFAULT");
    expect(r.problems[0]!.message).toContain("DEV");
  });

  test("unknown keys and malformed lines are problems naming key or line", () => {
    const path = conf("user=u\nfingerprnt=aa\nthis is not ini\n");
    const r = loadCredentials(path, "DEFAULT");
    const fields = r.problems.map((p) => p.field).sort();
    expect(fields).toEqual(["fingerprnt", "line 3"]);
    for (const p of r.problems) expect(p.file).toBe(path);
  });

  test("a missing file is a problem, not a throw", () => {
    const path = join(root, "absent", "credentials.conf");
    const r = loadCredentials(path, "DEFAULT");
    expect(r.credentials).toBeUndefined();
    expect(r.problems).toEqual([{ file: path, message: "file not found" }]);
  });
});
