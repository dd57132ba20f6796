/** loadConfig: both files together, every problem at once (CONTRACT §1, §2, §8; src/config/load.ts). */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load";
import { type Env, resolveSettings } from "../../src/config/settings";
import { generateTestKeyPair, makeTestCredentials, type TestCredentials } from "../support/keys";

const COMP = "ocid1.compartment.oc1..aaaa";
const root = mkdtempSync(join(tmpdir(), "ocigenai-load-"));
const REGION_VARS = ["OCI_REGION", "OCI_RESOURCE_PRINCIPAL_REGION"];
const savedEnv = new Map<string, string | undefined>();

beforeAll(() => {
  // loadConfig falls back on region variables of the environment; keep the host's out of these tests.
  for (const v of REGION_VARS) {
    savedEnv.set(v, process.env[v]);
    delete process.env[v];
  }
});
afterAll(() => {
  for (const [v, value] of savedEnv) if (value !== undefined) process.env[v] = value;
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
function freshDir(): string {
  const dir = join(root, `d${++n}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
function writeModels(
  dir: string,
  models: unknown = { m: { id: "meta.llama-3.3-70b-instruct", compartmentId: COMP } },
): string {
  const path = join(dir, "llm_models.json");
  writeFileSync(path, JSON.stringify(models));
  return path;
}
function settingsFor(dir: string, env: Env = {}, testMode = false) {
  return resolveSettings({ command: "serve", configDir: dir, testMode: testMode || undefined }, env, dir);
}
/** Rewrites the credentials file made by makeTestCredentials, line by line. */
function editCreds(c: TestCredentials, edit: (lines: string[]) => string[]) {
  const lines = [
    "[DEFAULT]",
    `user=${c.user}`,
    `fingerprint=${c.fingerprint}`,
    `tenancy=${c.tenancy}`,
    `region=${c.region}`,
    `key_file=${c.keyFile}`,
  ];
  writeFileSync(c.configPath, `${edit(lines).join("\n")}\n`);
}
const problemFields = (r: ReturnType<typeof loadConfig>) => r.problems.map((p) => p.field).sort();

describe("loadConfig with valid files", () => {
  test("loads aliases with the credentials' region as default", async () => {
    const dir = freshDir();
    const creds = await makeTestCredentials(dir, { region: "eu-frankfurt-1" });
    writeModels(dir);
    const r = loadConfig(settingsFor(dir));
    expect(r.problems).toEqual([]);
    expect(r.config).toBeDefined();
    expect(r.config!.testMode).toBe(false);
    expect(r.config!.credentials!.fingerprint).toBe(creds.fingerprint);
    expect(r.config!.aliases.get("m")!.region).toBe("eu-frankfurt-1");
  });

  test("a header-less credentials file with a relative key_file works", async () => {
    const dir = freshDir();
    const creds = await makeTestCredentials(dir, { headerless: true, relativeKeyFile: true });
    writeModels(dir);
    const r = loadConfig(settingsFor(dir));
    expect(r.problems).toEqual([]);
    expect(r.config!.credentials!.keyFile).toBe(creds.keyFile);
  });

  test("a non-DEFAULT profile selected through OCI_CONFIG_PROFILE", async () => {
    const dir = freshDir();
    await makeTestCredentials(dir, { profile: "PROD", region: "us-ashburn-1" });
    writeModels(dir);
    const r = loadConfig(settingsFor(dir, { OCI_CONFIG_PROFILE: "PROD" }));
    expect(r.problems).toEqual([]);
    expect(r.config!.credentials!.profile).toBe("PROD");
    expect(r.config!.aliases.get("m")!.region).toBe("us-ashburn-1");
  });
});

describe("loadConfig: credential problems", () => {
  test("fingerprint that does not match the key", async () => {
    const dir = freshDir();
    const creds = await makeTestCredentials(dir);
    const other = generateTestKeyPair();
    editCreds(creds, (l) => l.map((x) => (x.startsWith("fingerprint=") ? `fingerprint=${other.fingerprint}` : x)));
    writeModels(dir);
    const r = loadConfig(settingsFor(dir));
    expect(r.config).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ file: creds.configPath, field: "fingerprint" });
    expect(r.problems[0]!.message).toContain(creds.fingerprint);
  });

  test("fingerprint comparison ignores case", async () => {
    const dir = freshDir();
    const creds = await makeTestCredentials(dir);
    editCreds(creds, (l) =>
      l.map((x) => (x.startsWith("fingerprint=") ? `fingerprint=${creds.fingerprint.toUpperCase()}` : x)),
    );
    writeModels(dir);
    expect(loadConfig(settingsFor(dir)).problems).toEqual([]);
  });

  test("key_file that does not exist", async () => {
    const dir = freshDir();
    const creds = await makeTestCredentials(dir);
    const missing = join(dir, "missing.pem");
    editCreds(creds, (l) => l.map((x) => (x.startsWith("key_file=") ? `key_file=${missing}` : x)));
    writeModels(dir);
    const r = loadConfig(settingsFor(dir));
    expect(r.config).toBeUndefined();
    expect(problemFields(r)).toEqual(["key_file"]);
    expect(r.problems[0]!.message).toContain(missing);
  });

  test("key_file that cannot be read (a directory)", async () => {
    const dir = freshDir();
    const creds = await makeTestCredentials(dir);
    const keyDir = join(dir, "keydir");
    mkdirSync(keyDir);
    editCreds(creds, (l) => l.map((x) => (x.startsWith("key_file=") ? `key_file=${keyDir}` : x)));
    writeModels(dir);
    const r = loadConfig(settingsFor(dir));
    expect(r.config).toBeUndefined();
    expect(problemFields(r)).toEqual(["key_file"]);
    expect(r.problems[0]!.message).toContain("cannot read key file");
  });

  test("key_file that holds garbage", async () => {
    const dir = freshDir();
    const creds = await makeTestCredentials(dir);
    writeFileSync(
      creds.keyFile,
      "-----BEGIN RSA PRIVATE KEY-----\nnot base64 at all!!\n-----END RSA PRIVATE KEY-----\n",
    );
    writeModels(dir);
    const r = loadConfig(settingsFor(dir));
    expect(r.config).toBeUndefined();
    expect(problemFields(r)).toEqual(["key_file"]);
    expect(r.problems[0]!.message).toContain("not a readable PEM private key");
  });

  test("missing required fields are all reported, each by name", async () => {
    const dir = freshDir();
    const path = join(dir, "credentials.conf");
    writeFileSync(path, "[DEFAULT]\npass_phrase=x\n");
    writeModels(dir, { m: { id: "xai.grok-4", compartmentId: COMP, region: "us-chicago-1" } });
    const r = loadConfig(settingsFor(dir));
    expect(r.config).toBeUndefined();
    expect(problemFields(r)).toEqual(["fingerprint", "key_file", "region", "tenancy", "user"]);
    for (const p of r.problems) expect(p.file).toBe(path);
  });

  test("user and tenancy must be OCIDs of the right kind", async () => {
    const dir = freshDir();
    const creds = await makeTestCredentials(dir);
    editCreds(creds, (l) =>
      l.map((x) =>
        x.startsWith("user=") ? "user=ocid1.group.oc1..x" : x.startsWith("tenancy=") ? "tenancy=mytenancy" : x,
      ),
    );
    writeModels(dir);
    expect(problemFields(loadConfig(settingsFor(dir)))).toEqual(["tenancy", "user"]);
  });

  test("a missing credentials file outside TEST_MODE is a problem", () => {
    const dir = freshDir();
    writeModels(dir);
    const r = loadConfig(settingsFor(dir));
    expect(r.config).toBeUndefined();
    expect(r.problems).toContainEqual(
      expect.objectContaining({ file: join(dir, "credentials.conf"), message: "file not found" }),
    );
  });

  test("problems from both files are reported together", async () => {
    const dir = freshDir();
    const creds = await makeTestCredentials(dir);
    const other = generateTestKeyPair();
    editCreds(creds, (l) => l.map((x) => (x.startsWith("fingerprint=") ? `fingerprint=${other.fingerprint}` : x)));
    const modelsPath = writeModels(dir, { a: { id: "xai.grok-4" }, b: { compartmentId: COMP } });
    const r = loadConfig(settingsFor(dir));
    expect(r.config).toBeUndefined();
    const located = r.problems.map((p) => [p.file, p.alias ?? "", p.field ?? ""].join("|")).sort();
    expect(located).toEqual(
      [`${creds.configPath}||fingerprint`, `${modelsPath}|a|compartmentId`, `${modelsPath}|b|id`].sort(),
    );
  });
});

describe("loadConfig: regions", () => {
  test("unknown region: warning at start-up, config still loads", async () => {
    const dir = freshDir();
    await makeTestCredentials(dir);
    writeModels(dir, { m: { id: "xai.grok-4", compartmentId: COMP, region: "mars-north-1" } });
    const r = loadConfig(settingsFor(dir));
    expect(r.problems).toEqual([]);
    expect(r.config).toBeDefined();
    expect(r.warnings.some((w) => w.includes("mars-north-1"))).toBe(true);
  });

  test("strict mode (check) makes an unknown region a problem", async () => {
    const dir = freshDir();
    await makeTestCredentials(dir);
    writeModels(dir, { m: { id: "xai.grok-4", compartmentId: COMP, region: "mars-north-1" } });
    const r = loadConfig(settingsFor(dir), { strict: true });
    expect(r.config).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.field).toBe("region");
    expect(r.problems[0]!.message).toContain("mars-north-1");
  });

  test("strict mode: the unknown-region problem names the alias that uses it", async () => {
    // CONTRACT §1: problems name the file, the alias and the field.
    const dir = freshDir();
    await makeTestCredentials(dir);
    const modelsPath = writeModels(dir, {
      ok: { id: "xai.grok-4", compartmentId: COMP },
      far: { id: "xai.grok-4", compartmentId: COMP, region: "mars-north-1" },
    });
    const r = loadConfig(settingsFor(dir), { strict: true });
    expect(r.problems).toEqual([expect.objectContaining({ file: modelsPath, alias: "far", field: "region" })]);
  });

  test("strict mode: an unknown region in credentials.conf is blamed on credentials.conf", async () => {
    const dir = freshDir();
    const creds = await makeTestCredentials(dir, { region: "mars-north-1" });
    writeModels(dir, { m: { id: "xai.grok-4", compartmentId: COMP, region: "us-chicago-1" } });
    const r = loadConfig(settingsFor(dir), { strict: true });
    expect(r.config).toBeUndefined();
    expect(r.problems).toEqual([expect.objectContaining({ file: creds.configPath, field: "region" })]);
  });

  test("a known region is fine in strict mode", async () => {
    const dir = freshDir();
    await makeTestCredentials(dir);
    writeModels(dir, { m: { id: "xai.grok-4", compartmentId: COMP, region: "sa-saopaulo-1" } });
    expect(loadConfig(settingsFor(dir), { strict: true }).problems).toEqual([]);
  });
});

describe("loadConfig: TEST_MODE", () => {
  test("needs no credentials file; aliases get a default region", () => {
    const dir = freshDir();
    writeModels(dir);
    const r = loadConfig(settingsFor(dir, {}, true));
    expect(r.problems).toEqual([]);
    expect(r.config!.testMode).toBe(true);
    expect(r.config!.credentials).toBeUndefined();
    expect(r.config!.aliases.get("m")!.region).toBe("us-chicago-1");
  });

  test("TEST_MODE=true in env works the same", () => {
    const dir = freshDir();
    writeModels(dir);
    const r = loadConfig(settingsFor(dir, { TEST_MODE: "true" }));
    expect(r.problems).toEqual([]);
    expect(r.config!.testMode).toBe(true);
  });

  test("broken credentials in TEST_MODE are warnings, not problems", () => {
    const dir = freshDir();
    writeFileSync(join(dir, "credentials.conf"), "[DEFAULT]\nbogus_key=1\nregion=eu-frankfurt-1\n");
    writeModels(dir);
    const r = loadConfig(settingsFor(dir, {}, true));
    expect(r.problems).toEqual([]);
    expect(r.config!.testMode).toBe(true);
    expect(r.warnings.some((w) => w.includes("bogus_key") || w.includes("unknown key"))).toBe(true);
    expect(r.config!.aliases.get("m")!.region).toBe("eu-frankfurt-1");
  });

  test("a seed credentials file with test_mode=true turns TEST_MODE on without any key", () => {
    const dir = freshDir();
    writeFileSync(join(dir, "credentials.conf"), "test_mode=true\n");
    writeModels(dir);
    const r = loadConfig(settingsFor(dir));
    expect(r.problems).toEqual([]);
    expect(r.config!.testMode).toBe(true);
    expect(r.config!.aliases.get("m")!.region).toBe("us-chicago-1");
  });

  test("TEST_MODE=false (or --test-mode=false) beats the file's test_mode=true: the file must then be whole", () => {
    const dir = freshDir();
    writeFileSync(join(dir, "credentials.conf"), "test_mode=true\n");
    writeModels(dir);
    const r = loadConfig(settingsFor(dir, { TEST_MODE: "false" }));
    expect(r.config).toBeUndefined();
    expect(problemFields(r)).toContain("tenancy");
    const flag = loadConfig(resolveSettings({ command: "serve", configDir: dir, testMode: false }, {}, dir));
    expect(flag.config).toBeUndefined();
  });

  test("OCI_REGION stands in for a credentials.conf without a region", async () => {
    const dir = freshDir();
    const c = await makeTestCredentials(dir);
    editCreds(c, (lines) => lines.filter((l) => !l.startsWith("region=")));
    writeModels(dir);
    expect(problemFields(loadConfig(settingsFor(dir)))).toContain("region");
    process.env.OCI_REGION = "eu-frankfurt-1";
    try {
      const r = loadConfig(settingsFor(dir));
      expect(r.problems).toEqual([]);
      expect(r.config!.aliases.get("m")!.region).toBe("eu-frankfurt-1");
    } finally {
      delete process.env.OCI_REGION;
    }
  });

  test("a byte-order mark opening a file (Windows Notepad writes one) is not content", async () => {
    const dir = freshDir();
    const c = await makeTestCredentials(dir);
    writeFileSync(c.configPath, `\uFEFF${readFileSync(c.configPath, "utf8")}`);
    writeFileSync(
      join(dir, "llm_models.json"),
      `\uFEFF${JSON.stringify({ m: { id: "meta.llama-3.3-70b-instruct", compartmentId: COMP } })}`,
    );
    writeFileSync(join(dir, "api_keys.json"), `\uFEFF${JSON.stringify({ team: { sha256: "a".repeat(64) } })}`);
    const r = loadConfig(settingsFor(dir));
    expect(r.problems).toEqual([]);
    expect(r.config!.aliases.has("m")).toBe(true);
    expect(r.config!.credentials?.tenancy).toBe(c.tenancy);
    expect(r.config!.keys.size).toBe(1);
  });

  test("models problems still count in TEST_MODE", () => {
    const dir = freshDir();
    writeModels(dir, { m: { id: "xai.grok-4" } });
    const r = loadConfig(settingsFor(dir, {}, true));
    expect(r.config).toBeUndefined();
    expect(r.problems).toEqual([expect.objectContaining({ alias: "m", field: "compartmentId" })]);
  });
});
