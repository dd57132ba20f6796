/** The compiled executable as a user runs it: config beside it, no Node or Bun on PATH. */
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binaryDir } from "../support/binary";
import { type FakeOci, startFakeOci } from "../support/fake-oci";
import { type Gateway, runCli, startGateway, tempDir } from "../support/gateway";
import { generateTestKeyPair, makeTestCredentials } from "../support/keys";
import { waitUntil } from "../support/wait";

const SEED_CREDENTIALS =
  "user=ocid1.user.oc1..x\nfingerprint=aa:bb\ntenancy=ocid1.tenancy.oc1..x\nregion=us-chicago-1\nkey_file=none.pem\ntest_mode=true\n";
const NO_TOOLS = { PATH: "/nonexistent" }; // proves the binary needs neither node nor bun

const running: Gateway[] = [];
const fakes: FakeOci[] = [];
afterAll(async () => {
  for (const g of running) await g.stop();
  for (const f of fakes) await f.stop();
});

/** The binary in real mode beside a test key, calling a fake OCI that verifies its signatures. */
async function signedGateway(env: Record<string, string> = {}): Promise<{ g: Gateway; fake: FakeOci }> {
  const { dir, bin } = await binaryDir();
  const creds = await makeTestCredentials(dir, { relativeKeyFile: true });
  const fake = await startFakeOci({ keys: [creds] });
  fakes.push(fake);
  const g = await startGateway({ binary: bin, env: { ...NO_TOOLS, ...env, OCI_INFERENCE_ENDPOINT: fake.url } });
  running.push(g);
  return { g, fake };
}

describe("compiled binary", () => {
  test("--version and --help", async () => {
    const { bin } = await binaryDir();
    const v = await runCli({ binary: bin, args: ["--version"], env: NO_TOOLS });
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^ocigenai \d+\.\d+\.\d+/);
    const h = await runCli({ binary: bin, args: ["--help"], env: NO_TOOLS });
    expect(h.code).toBe(0);
    for (const word of ["--port", "--config-dir", "check", "TEST_MODE", "API_KEY"]) expect(h.stdout).toContain(word);
    const bad = await runCli({ binary: bin, args: ["--bogus"], env: NO_TOOLS });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--bogus");
  });

  test("TEST_MODE from a seed-style credentials.conf beside the binary (cwd elsewhere)", async () => {
    const { bin } = await binaryDir({ credentials: SEED_CREDENTIALS });
    const g = await startGateway({ binary: bin, cwd: "/", env: NO_TOOLS });
    running.push(g);
    expect(g.output()).toContain("mode=TEST_MODE");
    const r = await fetch(`${g.url}/genai/llama/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({
        messages: [{ role: "user", content: "Explique computação quântica" }],
        temperature: 0.7,
        max_tokens: 500,
      }),
    });
    const body = await r.json();
    expect(body.choices[0].message.content).toBe("[TEST_MODE] Simulated response to: Explique computação quântica");
    expect(body.usage.total_tokens).toBeGreaterThan(0);
  });

  test("a .env or bunfig.toml in the directory it is started from is not read", async () => {
    const { bin } = await binaryDir({ credentials: SEED_CREDENTIALS });
    const launchedFrom = tempDir();
    writeFileSync(join(launchedFrom, ".env"), "API_KEY=from-dotenv\nLOG_LEVEL=debug\n");
    // Read, this bunfig would stop the start ("preload not found"), so startGateway would fail.
    writeFileSync(join(launchedFrom, "bunfig.toml"), 'preload = ["./missing-preload.ts"]\n');
    const g = await startGateway({ binary: bin, cwd: launchedFrom, env: NO_TOOLS });
    running.push(g);
    // With the .env read, the banner would count one key and auth would refuse a keyless call.
    expect(g.output()).not.toContain("auth=on");
    const r = await fetch(`${g.url}/v1/models`);
    expect(r.status).toBe(200);
    expect(g.output()).not.toContain('"level":"debug"');
  });

  test("--port N listens on exactly that port", async () => {
    const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = probe.port;
    probe.stop(true);
    const { bin } = await binaryDir();
    const g = await startGateway({
      binary: bin,
      args: ["--port", String(port)],
      env: { ...NO_TOOLS, TEST_MODE: "true" },
    });
    running.push(g);
    expect(g.port).toBe(port);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });

  test("real mode: signs with the key beside it and talks to the fake OCI", async () => {
    const { g, fake } = await signedGateway();
    expect(g.output()).toContain("mode=OCI");
    const r = await fetch(`${g.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "llama", messages: [{ role: "user", content: "ping" }] }),
    });
    expect(r.status).toBe(200);
    expect((await r.json()).choices[0].message.content).toBe("Echo: ping");
    expect(fake.requestsFor("chat")[0]!.signatureOk).toBe(true);
  });

  test("the signer picks its engine shortly after start, before any call to OCI", async () => {
    const { g, fake } = await signedGateway({ LOG_LEVEL: "debug" });
    // The start does not choose it (that loads OpenSSL and node:crypto, ~12 ms); a timer does.
    await waitUntil(() => g.output().includes('"msg":"request signer"'), 5000, "the signer's engine chosen");
    expect(g.output()).toMatch(/"msg":"request signer","engine":"(openssl|node:crypto)/);
    expect(fake.requestsFor("chat")).toHaveLength(0);
  });

  test("stored responses move SQLite's checkpoints to their thread, whose module is inside the binary", async () => {
    // The default store (SQLite beside the binary); ~1.2 MB of kept input passes the 1 MB start.
    const { g } = await signedGateway({ LOG_LEVEL: "info" });
    const input = [{ role: "user", content: `${"long context ".repeat(8000)}ping` }];
    let last = "";
    for (let i = 0; i < 12; i++) {
      const r = await fetch(`${g.url}/v1/responses`, {
        method: "POST",
        body: JSON.stringify({ model: "llama", input }),
      });
      expect(r.status).toBe(200);
      last = ((await r.json()) as { id: string }).id;
    }
    await waitUntil(
      () => g.output().includes("WAL checkpoints run on their own thread"),
      30_000,
      "the checkpoint thread started",
    );
    expect(g.output()).not.toContain("WAL checkpoints stay on the event loop");
    const kept = await fetch(`${g.url}/v1/responses/${last}/input_items?limit=1`);
    expect(((await kept.json()) as { data: { content: { text: string }[] }[] }).data[0]!.content[0]!.text).toBe(
      input[0]!.content,
    );
  }, 60_000);

  test("a config error exits 2 naming file, alias and field — every problem at once", async () => {
    const { bin } = await binaryDir({
      models: {
        good: { id: "meta.llama-3.3-70b-instruct", compartmentId: "ocid1.compartment.oc1..x" },
        bad1: { region: "us-chicago-1", compartmentId: "ocid1.compartment.oc1..x" },
        bad2: { id: "x", compartmentId: "ocid1.compartment.oc1..x", type: "robot" },
      },
      credentials: SEED_CREDENTIALS,
    });
    const r = await runCli({ binary: bin, env: NO_TOOLS });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("llm_models.json");
    expect(r.stderr).toContain("alias 'bad1', field 'id'");
    expect(r.stderr).toContain("alias 'bad2', field 'type'");
  });

  test("missing credentials outside TEST_MODE exits 2 naming the file", async () => {
    const { bin } = await binaryDir();
    const r = await runCli({ binary: bin, env: NO_TOOLS });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("credentials.conf");
    expect(r.stderr).toContain("file not found");
  });

  test("check: exit 0 on a good config, 1 listing a fingerprint that does not match the key", async () => {
    const { dir, bin } = await binaryDir();
    const creds = await makeTestCredentials(dir, { relativeKeyFile: true });
    const ok = await runCli({ binary: bin, args: ["check"], env: NO_TOOLS });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("configuration OK");
    const text = await Bun.file(creds.configPath).text();
    await Bun.write(
      creds.configPath,
      text.replace(/fingerprint=.*/, "fingerprint=00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff"),
    );
    const bad = await runCli({ binary: bin, args: ["check"], env: NO_TOOLS });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("field 'fingerprint'");
    expect(bad.stdout).toContain(creds.fingerprint);
  });
});

describe("check --online", () => {
  test("TEST_MODE left on by credentials.conf's test_mode line fails it (nothing checked); asked for by TEST_MODE, it is skipped", async () => {
    const { bin } = await binaryDir({ credentials: SEED_CREDENTIALS });
    const left = await runCli({ binary: bin, args: ["check", "--online"], env: NO_TOOLS });
    expect(left.code).toBe(1);
    expect(left.stdout).toContain("test_mode=true, so nothing was checked");
    const asked = await runCli({ binary: bin, args: ["check", "--online"], env: { ...NO_TOOLS, TEST_MODE: "true" } });
    expect(asked.code).toBe(0);
    expect(asked.stdout).toContain("online: skipped");
    // TEST_MODE=false beats the file's line: the seed file's made-up key is then a problem.
    const off = await runCli({ binary: bin, args: ["check"], env: { ...NO_TOOLS, TEST_MODE: "false" } });
    expect(off.code).toBe(1);
    expect(off.stdout + off.stderr).toContain("key_file");
  });

  test("one signed call per region and alias kind; exit 1 naming what failed", async () => {
    const { dir, bin } = await binaryDir();
    const creds = await makeTestCredentials(dir, { relativeKeyFile: true });
    const fake = await startFakeOci({ keys: [creds] });
    fakes.push(fake);
    const env = {
      ...NO_TOOLS,
      OCI_INFERENCE_ENDPOINT: fake.url,
      OCI_AGENT_ENDPOINT: fake.url,
      OCI_OBJECT_STORAGE_ENDPOINT: fake.url,
      GENAI_BUCKET: "uploads",
    };
    const ok = await runCli({ binary: bin, args: ["check", "--online"], env });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/ok\s+model\s+us-chicago-1\s+llama/);
    expect(ok.stdout).toMatch(/ok\s+agent\s+us-chicago-1\s+my-agent/);
    expect(ok.stdout).toMatch(/ok\s+files/);
    expect(ok.stdout).toContain("online: all 3 check(s) passed");
    expect(fake.requests.every((r) => r.signatureOk)).toBe(true);
    expect(fake.sessions.size).toBe(0);
    fake.script("agentChat", { error: { status: 404, code: "NotAuthorizedOrNotFound", message: "unused" } });
    fake.script("createSession", {
      error: {
        status: 404,
        code: "NotAuthorizedOrNotFound",
        message: "Authorization failed or requested resource not found.",
      },
    });
    const bad = await runCli({ binary: bin, args: ["check", "--online"], env });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAILED\s+agent\s+us-chicago-1\s+my-agent.*404/);
    expect(bad.stdout).toContain("online: 1 of 3 check(s) failed");
  });
});

describe("request signing in the compiled binary", () => {
  // Both engines must give signatures the verifying fake accepts; the debug log says which ran.
  test.each([
    ["openssl", {}],
    ["node:crypto (OCIGENAI_SIGNER=node)", { OCIGENAI_SIGNER: "node" }],
  ])("engine %s", async (engine, extra) => {
    if (engine === "openssl" && process.platform !== "linux") return;
    const { g, fake } = await signedGateway({ ...extra, LOG_LEVEL: "debug" });
    for (const content of ["hello", "é ünïcode 🙂".repeat(2000)]) {
      const r = await fetch(`${g.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "llama", messages: [{ role: "user", content }] }),
      });
      expect(r.status).toBe(200);
    }
    expect(fake.requests.length).toBe(2);
    expect(fake.requests.every((r) => r.signatureOk)).toBe(true);
    await waitUntil(() => g.output().includes(`"engine":"${engine}"`), 3000, "the signer engine logged");
    // Chosen, and logged, after the start: start-up does not load OpenSSL.
    expect(g.output().indexOf('"engine"')).toBeGreaterThan(g.output().indexOf("listening on"));
  });
});

describe("rotating the API key without a restart", () => {
  test("SIGHUP after credentials.conf names a new key: the next calls are signed with it; a key that cannot sign is not taken", async () => {
    const { dir, bin } = await binaryDir();
    const creds = await makeTestCredentials(dir, { relativeKeyFile: true });
    const fresh = generateTestKeyPair();
    const fake = await startFakeOci({ keys: [creds] });
    fakes.push(fake);
    fake.addKey(`${creds.tenancy}/${creds.user}/${fresh.fingerprint}`, fresh.publicKeyPem);
    const g = await startGateway({
      binary: bin,
      env: { ...NO_TOOLS, OCI_INFERENCE_ENDPOINT: fake.url, LOG_LEVEL: "info" },
    });
    running.push(g);
    const chat = () =>
      fetch(`${g.url}/v1/chat/completions`, {
        method: "POST",
        body: JSON.stringify({ model: "llama", messages: [{ role: "user", content: "ping" }] }),
      });
    const signedWith = () => fake.requests.at(-1)!.headers.authorization!.match(/keyId="[^"]*\/([0-9a-f:]+)"/)![1];
    expect((await chat()).status).toBe(200);
    expect(signedWith()).toBe(creds.fingerprint);

    // A rotation whose key cannot be read: the key in force stays.
    const conf = readFileSync(creds.configPath, "utf8");
    writeFileSync(join(dir, "new_key.pem"), "not a key");
    writeFileSync(
      creds.configPath,
      conf.replace(creds.fingerprint, fresh.fingerprint).replace(/key_file=.*/, "key_file=new_key.pem"),
    );
    process.kill(g.pid, "SIGHUP");
    await waitUntil(() => /config reload rejected|cannot sign/.test(g.output()), 5000, "the unusable key refused");
    expect((await chat()).status).toBe(200);
    expect(signedWith()).toBe(creds.fingerprint);

    writeFileSync(join(dir, "new_key.pem"), fresh.privateKeyPem, { mode: 0o600 });
    process.kill(g.pid, "SIGHUP");
    await waitUntil(() => g.output().includes("signing key reloaded"), 5000, "the new key taken");
    const r = await chat();
    expect(r.status).toBe(200);
    expect(signedWith()).toBe(fresh.fingerprint);
    expect(fake.requests.every((x) => x.signatureOk)).toBe(true);
  }, 30_000);
});

describe("calls to OCI over TLS from the compiled binary", () => {
  // OCI is HTTPS only; the fake serves HTTPS with a certificate from the test CA (test/fixtures/tls).
  const tlsDir = join(import.meta.dir, "../fixtures/tls");
  const pem = (n: string) => readFileSync(join(tlsDir, n), "utf8");
  const chat = (g: Gateway, stream: boolean) =>
    fetch(`${g.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "llama", stream, messages: [{ role: "user", content: "over TLS" }] }),
    });

  test("the CA trusted through NODE_EXTRA_CA_CERTS: answers and streams arrive, signed; an untrusted one is refused clearly", async () => {
    const { dir, bin } = await binaryDir();
    const creds = await makeTestCredentials(dir, { relativeKeyFile: true });
    const fake = await startFakeOci({ keys: [creds], tls: { cert: pem("loopback.pem"), key: pem("loopback.key") } });
    fakes.push(fake);
    expect(fake.url.startsWith("https://")).toBe(true);
    const trusted = await startGateway({
      binary: bin,
      env: { ...NO_TOOLS, OCI_INFERENCE_ENDPOINT: fake.url, NODE_EXTRA_CA_CERTS: join(tlsDir, "ca.pem") },
    });
    running.push(trusted);
    for (let i = 0; i < 2; i++) {
      const r = await chat(trusted, false);
      expect(r.status).toBe(200);
      expect((await r.json()).choices[0].message.content.length).toBeGreaterThan(0);
    }
    const s = await chat(trusted, true);
    expect(s.status).toBe(200);
    const text = await s.text();
    expect(text).toContain('"content":');
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect(fake.requests.length).toBe(3);
    expect(fake.requests.every((r) => r.signatureOk)).toBe(true);

    const untrusted = await startGateway({ binary: bin, env: { ...NO_TOOLS, OCI_INFERENCE_ENDPOINT: fake.url } });
    running.push(untrusted);
    const refused = await chat(untrusted, false);
    expect(refused.status).toBe(502);
    expect((await refused.json()).error.message).toMatch(/TLS|certificate/i);
    expect(fake.requests.length).toBe(3); // nothing reached OCI
  });
});
