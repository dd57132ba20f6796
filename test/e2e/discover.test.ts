/**
 * `ocigenai discover` on the compiled binary against the signed fake OCI (docs/discovery.md):
 * every page of both listings, the printed entries, --write merging into the file beside the
 * binary without touching an alias it had, the file loading afterwards, and each failure's
 * words and exit code.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY_SETUP_TIMEOUT_MS, binaryDir } from "../support/binary";
import { type FakeOci, startFakeOci } from "../support/fake-oci";
import { seedModels } from "../support/fake-oci/control-plane";
import { COMPARTMENT, runCli, tempDir, testModels } from "../support/gateway";
import { makeTestCredentials, TEST_TENANCY } from "../support/keys";

const NO_TOOLS = { PATH: "/nonexistent" }; // the binary needs neither node nor bun

let fake: FakeOci;

beforeAll(async () => {
  // Every deployment below writes credentials with the same (process-wide) test key.
  fake = await startFakeOci({ keys: [await makeTestCredentials(tempDir())] });
  await binaryDir(); // builds the binary once, within the setup's longer timeout
}, BINARY_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await fake.stop();
});

/** A deployment directory: the binary, credentials.conf with the fake's key, and llm_models.json. */
async function deployment(models: unknown = testModels()): Promise<{ dir: string; bin: string }> {
  const d = await binaryDir({ models });
  await makeTestCredentials(d.dir, { relativeKeyFile: true });
  return d;
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { ...NO_TOOLS, OCI_GENAI_ENDPOINT: fake.url, OCI_AGENT_CONTROL_ENDPOINT: fake.url, ...extra };
}

async function discover(bin: string, args: string[] = [], extra: Record<string, string> = {}) {
  return runCli({ binary: bin, args: ["discover", ...args], env: env(extra) });
}

describe("printing", () => {
  test("every page of both listings becomes a valid llm_models.json on stdout; the rest goes to stderr", async () => {
    fake.clear();
    fake.controlPlane.pageSize = 2;
    try {
      const { dir, bin } = await deployment();
      const r = await discover(bin);
      expect(r.code).toBe(0);
      const modelPages = fake.requestsFor("listModels");
      const agentPages = fake.requestsFor("listAgentEndpoints");
      expect(modelPages.length).toBe(Math.ceil(seedModels().length / 2));
      expect(agentPages.length).toBe(2); // three endpoints in the tenancy, two per page
      expect([...modelPages, ...agentPages].every((q) => q.signatureOk && q.method === "GET")).toBe(true);
      expect(modelPages[0]!.path).toStartWith(`/20231130/models?compartmentId=${encodeURIComponent(TEST_TENANCY)}`);
      expect(modelPages[1]!.path).toContain("&page=");
      expect(agentPages[0]!.path).toStartWith("/20240531/agentEndpoints?compartmentId=");

      const doc = JSON.parse(r.stdout);
      expect(doc._comment).toContain("region us-chicago-1");
      expect(Object.keys(doc).filter((k) => !k.startsWith("_"))).toEqual([
        "command-a-03-2025",
        "command-r-plus-08-2024",
        "gpt-5",
        "grok-4",
        "llama-3.1-405b-instruct",
        "llama-3.3-70b-instruct",
        "embed-multilingual-v3.0",
        "embed-v4.0",
        "rerank-v3.5",
        "hr-assistant",
        "support-bot",
      ]);
      expect(doc["llama-3.3-70b-instruct"]).toEqual({
        id: "meta.llama-3.3-70b-instruct",
        region: "us-chicago-1",
        compartmentId: TEST_TENANCY,
      });
      expect(doc["command-r-plus-08-2024"]._note).toContain("deprecated by OCI since 2025-06-01");
      expect(doc["hr-assistant"]).toEqual({
        id: "ocid1.genaiagentendpoint.oc1.us-chicago-1.amaaaaaahrassistant",
        type: "agent",
        region: "us-chicago-1",
        compartmentId: TEST_TENANCY,
        description: "Answers questions on HR policies",
      });
      expect(r.stderr).toContain("models: 13 listed → 6 chat, 2 embedding, 1 rerank (1 deprecated, marked with _note)");
      expect(r.stderr).toContain("left out cohere.command-r-16k: retired for on-demand use on 2025-01-15");
      expect(r.stderr).toContain("left out hr-tuned-llama: fine-tuned model");
      expect(r.stderr).toContain("lifecycle state DELETED");

      // What it printed is a file the gateway loads as it is.
      writeFileSync(join(dir, "llm_models.json"), r.stdout);
      const check = await runCli({ binary: bin, args: ["check"], env: NO_TOOLS });
      expect(check.stdout).toContain("configuration OK: 11 alias(es)");
      expect(check.code).toBe(0);
    } finally {
      fake.controlPlane.pageSize = 100;
    }
  });

  test("--region and --compartment choose what is asked and what the entries say", async () => {
    fake.clear();
    const { bin } = await deployment();
    const other = "ocid1.compartment.oc1..aaaaothercompartment";
    const r = await discover(bin, ["--region", "eu-frankfurt-1", `--compartment=${other}`]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc["other-team-bot"]).toMatchObject({ type: "agent", region: "eu-frankfurt-1", compartmentId: other });
    expect(doc["hr-assistant"]).toBeUndefined();
    expect(doc["grok-4"]).toEqual({ id: "xai.grok-4", region: "eu-frankfurt-1", compartmentId: other });
    expect(fake.requestsFor("listModels")[0]!.path).toContain(`compartmentId=${encodeURIComponent(other)}`);
  });
});

describe("--write", () => {
  test("adds what is new, keeps every alias (and byte) the file had, and the file then loads", async () => {
    fake.clear();
    const { dir, bin } = await deployment();
    const path = join(dir, "llm_models.json");
    const before = readFileSync(path, "utf8");
    const r = await discover(bin, ["--write"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^added\s+rerank-v3\.5\s+rerank\s+cohere\.rerank-v3\.5$/m);
    expect(r.stdout).toMatch(/^added\s+hr-assistant\s+agent\s+ocid1\.genaiagentendpoint/m);
    expect(r.stdout).toMatch(/^skipped\s+llama-3\.3-70b-instruct\s+chat\s+already served by alias 'llama'$/m);
    expect(r.stdout).toMatch(/^skipped\s+grok-4\s+chat\s+already served by alias 'warm'$/m);
    expect(r.stdout).toContain(`wrote 8 new alias(es) to ${path} (3 skipped)`);

    const after = readFileSync(path, "utf8");
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]); // written beside, renamed over
    expect(after.startsWith(before.slice(0, before.lastIndexOf("}", before.length - 3) + 1))).toBe(true);
    const doc = JSON.parse(after);
    for (const [alias, entry] of Object.entries(testModels())) expect(doc[alias]).toEqual(entry);
    expect(Object.keys(doc).length).toBe(Object.keys(testModels()).length + 8);

    const check = await runCli({ binary: bin, args: ["check"], env: NO_TOOLS });
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/ok\s+rerank-v3\.5\s+model/);
    expect(check.stdout).toMatch(/ok\s+support-bot\s+agent/);

    // Nothing new the second time: the file is left as it is.
    const again = await discover(bin, ["--write"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`nothing new for ${path} (11 skipped)`);
    expect(readFileSync(path, "utf8")).toBe(after);
  });

  test('the {"models": {...}} form stays wrapped', async () => {
    fake.clear();
    const { dir, bin } = await deployment({
      _comment: "wrapped",
      models: { llama: { id: "meta.llama-3.3-70b-instruct", region: "us-chicago-1", compartmentId: COMPARTMENT } },
    });
    const r = await discover(bin, ["--write"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, "llm_models.json"), "utf8"));
    expect(Object.keys(doc)).toEqual(["_comment", "models"]);
    expect(doc.models.llama.compartmentId).toBe(COMPARTMENT);
    expect(doc.models["embed-v4.0"]).toEqual({
      id: "cohere.embed-v4.0",
      region: "us-chicago-1",
      compartmentId: TEST_TENANCY,
    });
    expect((await runCli({ binary: bin, args: ["check"], env: NO_TOOLS })).code).toBe(0);
  });

  test("a models file that is not JSON is left alone: exit 2 naming the line", async () => {
    fake.clear();
    const broken = '{\n  "llama": {\n    "id": "meta.llama-3.3-70b-instruct",\n';
    const { dir, bin } = await deployment(broken);
    const r = await discover(bin, ["--write"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot take the new entries; nothing written");
    expect(r.stderr).toContain("line");
    expect(readFileSync(join(dir, "llm_models.json"), "utf8")).toBe(broken);
  });
});

describe("failures", () => {
  test("401 from OCI: exit 1, naming the region, the compartment and what to check", async () => {
    const stranger = await startFakeOci(); // knows no key: every signature is refused
    try {
      const { bin } = await deployment();
      const r = await runCli({
        binary: bin,
        args: ["discover"],
        env: { ...NO_TOOLS, OCI_GENAI_ENDPOINT: stranger.url, OCI_AGENT_CONTROL_ENDPOINT: stranger.url },
      });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(
        `error: listing models in region us-chicago-1, compartment ${TEST_TENANCY}: OCI did not accept the request's signature, 401 NotAuthenticated (`,
      );
      expect(r.stderr).toContain("Check user, fingerprint and key_file in credentials.conf");
      expect(r.stderr).toContain("listing agent endpoints in region us-chicago-1");
    } finally {
      await stranger.stop();
    }
  });

  test("404 on one listing: the other is still printed and written, exit 1 with the IAM hint", async () => {
    fake.clear();
    fake.script("listModels", {
      error: {
        status: 404,
        code: "NotAuthorizedOrNotFound",
        message: "Authorization failed or requested resource not found.",
      },
    });
    const { dir, bin } = await deployment();
    const r = await discover(bin, ["--write"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: listing models in region us-chicago-1, compartment ${TEST_TENANCY}: OCI answered 404 NotAuthorizedOrNotFound (Authorization failed or requested resource not found.) [opc-request-id ocigenai-discover-`,
    );
    expect(r.stderr).toContain("allow group <group> to read generative-ai-family in compartment <name>");
    expect(r.stdout).toContain("wrote 2 new alias(es)");
    const doc = JSON.parse(readFileSync(join(dir, "llm_models.json"), "utf8"));
    expect(Object.keys(doc)).toEqual([...Object.keys(testModels()), "hr-assistant", "support-bot"]);
  });

  test("agent control plane unreachable: models written, exit 1 saying where it looked", async () => {
    fake.clear();
    const { dir, bin } = await deployment();
    const r = await discover(bin, ["--write"], { OCI_AGENT_CONTROL_ENDPOINT: "http://127.0.0.1:9" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: listing agent endpoints in region us-chicago-1, compartment ${TEST_TENANCY}: cannot reach OCI at http://127.0.0.1:9/20240531/agentEndpoints`,
    );
    expect(r.stdout).toContain("wrote 6 new alias(es)");
    expect(JSON.parse(readFileSync(join(dir, "llm_models.json"), "utf8"))["rerank-v3.5"]).toBeDefined();
  });

  test("an answer of unknown shape is a clear error, not a crash", async () => {
    fake.clear();
    fake.script("listModels", { json: { models: [] } });
    fake.script("listAgentEndpoints", { json: { items: [{ id: "ocid1.genaiagentendpoint.oc1..x" }] } });
    const { bin } = await deployment();
    const r = await discover(bin);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `listing models in region us-chicago-1, compartment ${TEST_TENANCY}: OCI's answer is not one this version understands: ListModels answered without an 'items' list`,
    );
    expect(r.stderr).toContain("ListAgentEndpoints page 1, items[0]: 'lifecycleState' is not a string");
  });

  test("TEST_MODE, missing credentials and bad arguments: exit 2 before any call", async () => {
    fake.clear();
    const { dir, bin } = await deployment();
    const testMode = await discover(bin, [], { TEST_MODE: "true" });
    expect(testMode.code).toBe(2);
    expect(testMode.stderr).toContain("discover asks OCI itself, and TEST_MODE makes no OCI calls");

    const { bin: bare } = await binaryDir();
    const noCreds = await discover(bare);
    expect(noCreds.code).toBe(2);
    expect(noCreds.stderr).toContain("cannot use the OCI credentials");
    expect(noCreds.stderr).toContain("credentials.conf: file not found");

    writeFileSync(join(dir, "credentials.conf"), "[DEFAULT]\nregion=us-chicago-1\ntest_mode=true\n");
    const seedTestMode = await discover(bin);
    expect(seedTestMode.code).toBe(2);
    expect(seedTestMode.stderr).toContain("has test_mode=true");

    for (const args of [["--region", "US Chicago"], ["--compartment", "tenancy"], ["--bogus"], ["--region"]]) {
      const bad = await discover(bin, args);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(args[0]!);
    }
    expect(fake.requests.length).toBe(0);
  });
});

test("--help names the command, its exit codes and the new endpoint override", async () => {
  const { bin } = await binaryDir();
  const h = await runCli({ binary: bin, args: ["--help"], env: NO_TOOLS });
  expect(h.stdout).toContain("ocigenai discover [--region R] [--compartment C] [--write]");
  expect(h.stdout).toContain("OCI_AGENT_CONTROL_ENDPOINT");
  expect(h.stdout).toContain("discover: an OCI listing failed");
});
