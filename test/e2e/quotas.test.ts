/**
 * Team keys on the compiled binary (TEST_MODE): two instances sharing a real redis-server enforce
 * one limit together; a malformed api_keys.json stops start-up with exit 2; `ocigenai keys new
 * --write` adds a key a running gateway picks up; `ocigenai usage` reads the ledger from SQLite;
 * Redis down means 503 for limited keys and nothing else.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binaryDir } from "../support/binary";
import { type Gateway, runCli, startGateway, tempDir, writeModels } from "../support/gateway";
import { skipRedis, startRedis, type TestRedis } from "../support/redis";
import { signedFakeOci } from "../support/signed-fake-oci";
import { waitUntil } from "../support/wait";

const sha = (k: string) => createHash("sha256").update(k).digest("hex");
let bin: string;

beforeAll(async () => {
  bin = (await binaryDir()).bin;
}, 120_000);

/** A config dir with the test models and these team keys. */
function configDir(keys: unknown): string {
  const dir = tempDir();
  writeModels(dir);
  writeFileSync(join(dir, "api_keys.json"), JSON.stringify(keys, null, 2));
  return dir;
}

const chat = (g: Gateway, key: string) =>
  fetch(`${g.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "llama", messages: [{ role: "user", content: "hi" }] }),
  });

describe.skipIf(skipRedis)("two instances sharing Redis", () => {
  let redis: TestRedis;
  let a: Gateway;
  let b: Gateway;
  beforeAll(async () => {
    redis = await startRedis();
    const dir = configDir({ shared: { sha256: sha("shared-key"), rpm: 6, max_concurrent: 50 } });
    const env = { TEST_MODE: "true", SESSION_STORE: redis.url, API_KEY: "env-key" };
    a = await startGateway({ binary: bin, args: ["--config-dir", dir], env });
    b = await startGateway({ binary: bin, args: ["--config-dir", dir], env });
  }, 60_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await redis?.stop();
  });

  test("one rpm limit for both: of 12 requests spread over them, exactly 6 pass", async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => chat(i % 2 ? a : b, "shared-key")));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(6).fill(200), ...Array(6).fill(429)]);
    const refused = answers.find((r) => r.status === 429)!;
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get("x-ratelimit-limit-requests")).toBe("6");
  });

  test("Redis down: the limited key gets 503, the unlimited key keeps working", async () => {
    await redis.stop();
    try {
      const limited = await chat(a, "shared-key");
      expect(limited.status).toBe(503);
      expect((await limited.json()).error.code).toBe("store_unavailable");
      expect((await chat(a, "env-key")).status).toBe(200);
    } finally {
      await redis.restart();
    }
  }, 20_000);
});

describe("the secret stays secret", () => {
  test("debug logs, metrics and every error a key meets name the key, never its secret or hash", async () => {
    const secret = "ocg_very-secret-team-key-0123456789";
    const dir = configDir({ "team-s": { sha256: sha(secret), models: ["llama"], rpm: 2 } });
    const g = await startGateway({
      binary: bin,
      args: ["--config-dir", dir],
      env: { TEST_MODE: "true", LOG_LEVEL: "debug" },
    });
    try {
      const post = (path: string, body: unknown, key = secret) =>
        fetch(`${g.url}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      const answers = [
        await chat(g, secret), // 200
        await post("/v1/chat/completions", { model: "gpt5", messages: [{ role: "user", content: "x" }] }), // 403
        await post("/v1/chat/completions", { model: "llama", messages: "nope" }), // 400
        await chat(g, secret), // 200
        await chat(g, secret), // 429
        await post("/v1/messages", { model: "llama", max_tokens: 5, messages: [{ role: "user", content: "x" }] }), // 429
        await chat(g, `${secret}-wrong`), // 401
      ];
      expect(answers.map((r) => r.status)).toEqual([200, 403, 400, 200, 429, 429, 401]);
      const bodies = await Promise.all(answers.map((r) => r.text()));
      const metrics = await (
        await fetch(`${g.url}/metrics`, { headers: { authorization: `Bearer ${secret}` } })
      ).text();
      expect(metrics).toContain('key="team-s"');
      await Bun.sleep(100); // let the last log lines reach the pipe
      const seen = [...bodies, metrics, g.output()].join("\n");
      expect(g.output()).toContain("team-s");
      expect(seen).not.toContain(secret);
      expect(seen).not.toContain("very-secret");
      expect(seen).not.toContain(sha(secret));
    } finally {
      await g.stop();
    }
  }, 30_000);
});

describe("api_keys.json on the binary", () => {
  test("malformed: start-up stops with exit 2, every problem named with its key, field and line", async () => {
    const dir = configDir({ good: { sha256: sha("g") }, bad: { sha256: "nope", rpm: 0 } });
    const r = await runCli({ binary: bin, args: ["--config-dir", dir, "--port", "0"], env: { TEST_MODE: "true" } });
    expect(r.code).toBe(2);
    const out = r.stdout + r.stderr;
    expect(out).toContain("key 'bad', field 'sha256'");
    expect(out).toContain("key 'bad', field 'rpm'");
    expect(out).toMatch(/line \d+, column \d+/);
    expect(out).not.toContain(sha("g"));
  });

  test("a client that hangs up mid-stream is charged by estimate: it cannot dodge tpm (real path)", async () => {
    // The real path: the client's disconnect aborts the signed call to OCI, so the stream ends as
    // an error, not as a cancel, and must be charged all the same.
    const { fake, dir } = await signedFakeOci();
    writeFileSync(join(dir, "api_keys.json"), JSON.stringify({ hasty: { sha256: sha("hasty-key"), tpm: 50 } }));
    const words = Array.from({ length: 40 }, (_, i) => ({
      index: 0,
      message: { role: "ASSISTANT", content: [{ type: "TEXT", text: `word${i} ` }] },
    }));
    fake.script("chat", { sse: [...words, { finishReason: "stop" }], done: true, gapMs: 50 });
    const g = await startGateway({
      binary: bin,
      args: ["--config-dir", dir],
      env: { OCI_INFERENCE_ENDPOINT: fake.url },
    });
    try {
      const abort = new AbortController();
      const prompt = "tell me a long story about a lighthouse keeper ".repeat(17); // ~200 estimated tokens
      const r = await fetch(`${g.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer hasty-key", "content-type": "application/json" },
        body: JSON.stringify({ model: "llama", stream: true, messages: [{ role: "user", content: prompt }] }),
        signal: abort.signal,
      });
      expect(r.status).toBe(200);
      const reader = r.body!.getReader();
      await reader.read();
      abort.abort();
      await reader.cancel().catch(() => {});
      // Charged when the stream closes; waited for without spending tokens (each chat would).
      const open = async () => {
        const m = await fetch(`${g.url}/metrics`, { headers: { authorization: "Bearer hasty-key" } });
        return (await m.text())
          .split("\n")
          .find((l) => l.startsWith("ocigenai_active_streams "))
          ?.split(" ")[1];
      };
      await waitUntil(async () => (await open()) === "0", 5000);
      await Bun.sleep(100); // the settling write runs as the stream's request ends
      // The prompt alone is ~200 estimated tokens of the 50: the next request is refused.
      const refused = await chat(g, "hasty-key");
      expect(refused.status).toBe(429);
      expect((await refused.json()).error.message).toContain("tokens per minute");
    } finally {
      await g.stop();
      await fake.stop();
    }
  }, 30_000);

  test("keys and usage on bad ground: exit 2 with a line saying why, no stack, no key shown for a failed write; the file keeps its mode", async () => {
    const env = { TEST_MODE: "true" };
    const noDir = await runCli({
      binary: bin,
      args: ["keys", "new", "t", "--write", "--keys", "/nonexistent/dir/api_keys.json"],
      env,
    });
    expect(noDir.code).toBe(2);
    expect(noDir.stdout).toContain("cannot write");
    expect(noDir.stdout).not.toContain("key: ocg_");
    const badStore = await runCli({ binary: bin, args: ["usage"], env: { ...env, SESSION_STORE: "foo" } });
    expect(badStore.code).toBe(2);
    const empty = tempDir();
    const noLedger = await runCli({ binary: bin, args: ["usage", "--config-dir", empty], env });
    expect(noLedger.code).toBe(2);
    expect(noLedger.stdout).toContain("no usage ledger");
    for (const r of [noDir, badStore, noLedger]) expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
    const dir = configDir({ first: { sha256: sha("first-key") } });
    chmodSync(join(dir, "api_keys.json"), 0o644);
    const added = await runCli({ binary: bin, args: ["keys", "new", "second", "--write", "--config-dir", dir], env });
    expect(added.code).toBe(0);
    expect(statSync(join(dir, "api_keys.json")).mode & 0o777).toBe(0o644);
  }, 30_000);

  test("keys new --write adds a key the running gateway picks up; ocigenai usage reads its calls from SQLite", async () => {
    const dir = configDir({ first: { sha256: sha("first-key") } });
    const env = { TEST_MODE: "true" };
    const g = await startGateway({ binary: bin, args: ["--config-dir", dir], env });
    try {
      const made = await runCli({
        binary: bin,
        args: ["keys", "new", "team-x", "--models", "llama,grok*", "--rpm", "2", "--write", "--config-dir", dir],
        env,
      });
      expect(made.code).toBe(0);
      const key = /key: (ocg_\S+)/.exec(made.stdout)![1]!;
      const file = JSON.parse(readFileSync(join(dir, "api_keys.json"), "utf8"));
      // --models is the key's allowlist here, not the models file the other commands take.
      expect(file["team-x"]).toEqual({ sha256: sha(key), models: ["llama", "grok*"], rpm: 2 });
      expect(file.first).toBeDefined();
      expect(readFileSync(join(dir, "api_keys.json"), "utf8")).not.toContain(key);
      await waitUntil(async () => (await chat(g, key)).status === 200, 5000);
      // The wait may have spent one request; the limit of 2 refuses the 3rd at the latest.
      const more = [await chat(g, key), await chat(g, key)].map((r) => r.status);
      expect(more).toContain(429);
      const again = await runCli({ binary: bin, args: ["keys", "new", "team-x", "--write", "--config-dir", dir], env });
      expect(again.code).toBe(2);
      expect(again.stdout).toContain("exists already");
      // Without --write too: the entry it would print would replace that team's key when pasted.
      const shown = await runCli({ binary: bin, args: ["keys", "new", "team-x", "--config-dir", dir], env });
      expect(shown.code).toBe(2);
      expect(shown.stdout).not.toContain("key: ocg_");
    } finally {
      await g.stop();
    }
    const usage = await runCli({ binary: bin, args: ["usage", "--json", "--key", "team-x", "--config-dir", dir], env });
    expect(usage.code).toBe(0);
    const report = JSON.parse(usage.stdout);
    expect(report.data).toHaveLength(1);
    expect(report.data[0]).toMatchObject({ key: "team-x", alias: "llama" });
    expect(report.data[0].requests).toBeGreaterThanOrEqual(1);
    const table = await runCli({ binary: bin, args: ["usage", "--config-dir", dir], env });
    expect(table.stdout).toContain("team-x");
    expect(table.stdout).toMatch(/^total/m);
  }, 30_000);
});
