/**
 * Deadlines, Bun's idle timeout, keep-alive comments, client disconnects on non-streaming calls,
 * and config reloads — on a real process against the fake OCI.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type FakeOci, startFakeOci } from "../support/fake-oci";
import { type Gateway, startGateway, tempDir, testModels, writeModels } from "../support/gateway";
import { makeTestCredentials } from "../support/keys";

let fake: FakeOci;
let gw: Gateway;
let dir: string;

beforeAll(async () => {
  dir = tempDir();
  const creds = await makeTestCredentials(dir, { relativeKeyFile: true });
  fake = await startFakeOci({ keys: [creds] });
  writeModels(dir);
  gw = await startGateway({
    args: ["--config-dir", dir],
    env: {
      OCI_INFERENCE_ENDPOINT: fake.url,
      UPSTREAM_TIMEOUT_SECONDS: "12",
      KEEPALIVE_SECONDS: "0.2",
      LOG_LEVEL: "info",
    },
  });
});
afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
});

const chat = (extra: Record<string, unknown> = {}, signal?: AbortSignal) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    signal,
    body: JSON.stringify({ model: "llama", messages: [{ role: "user", content: "slow" }], ...extra }),
  });

describe("long calls", () => {
  test("an answer slower than Bun's 10 s idle timeout still arrives", async () => {
    fake.clear();
    fake.script("chat", {
      json: {
        modelId: "m",
        modelVersion: "1",
        chatResponse: {
          apiFormat: "GENERIC",
          choices: [
            {
              index: 0,
              message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "patience" }] },
              finishReason: "stop",
            },
          ],
        },
      },
      delayMs: 10_800,
    });
    const r = await chat();
    expect(r.status).toBe(200);
    expect((await r.json()).choices[0].message.content).toBe("patience");
  }, 20_000);

  test("past the upstream deadline → 504, and the OCI request is abandoned", async () => {
    const g = await startGateway({
      args: ["--config-dir", dir],
      env: { OCI_INFERENCE_ENDPOINT: fake.url, UPSTREAM_TIMEOUT_SECONDS: "0.5" },
    });
    try {
      fake.clear();
      fake.script("chat", { json: {}, delayMs: 3000 });
      const started = performance.now();
      const r = await fetch(`${g.url}/v1/chat/completions`, {
        method: "POST",
        body: JSON.stringify({ model: "llama", messages: [{ role: "user", content: "x" }] }),
      });
      expect(r.status).toBe(504);
      expect((await r.json()).error.type).toBe("timeout_error");
      expect(performance.now() - started).toBeLessThan(2500);
      await fake.waitFor(() => fake.requestsFor("chat")[0]?.abortedAt !== undefined, 1500);
    } finally {
      await g.stop();
    }
  });

  test("a quiet stream gets `: keep-alive` comments and is not cut", async () => {
    fake.clear();
    const ev = (text: string) => ({ index: 0, message: { role: "ASSISTANT", content: [{ type: "TEXT", text }] } });
    fake.script("chat", {
      sse: [ev("a"), ev("b"), { finishReason: "stop", message: { role: "ASSISTANT" } }],
      gapMs: 700,
      done: true,
    });
    const r = await chat({ stream: true });
    const text = await r.text();
    expect(text).toContain(": keep-alive\n\n");
    expect(text.trim().endsWith("data: [DONE]")).toBe(true);
  });

  test("a client that leaves a non-streaming call aborts the OCI request within 1 s", async () => {
    fake.clear();
    fake.script("chat", { json: {}, delayMs: 5000 });
    const ctrl = new AbortController();
    const pending = chat({}, ctrl.signal).catch(() => undefined);
    await fake.waitFor(() => fake.requestsFor("chat").length === 1, 2000);
    const leftAt = Date.now();
    ctrl.abort();
    await pending;
    await fake.waitFor(() => fake.requestsFor("chat")[0]?.abortedAt !== undefined, 1000);
    expect(fake.requestsFor("chat")[0]!.abortedAt! - leftAt).toBeLessThan(1000);
  });
});

describe("config reload", () => {
  const hasAlias = async (alias: string) => (await fetch(`${gw.url}/v1/models/${alias}`)).status === 200;

  test("a valid edit applies without restart; a broken edit keeps the last good config", async () => {
    writeModels(
      dir,
      testModels({
        added: { id: "meta.llama-4-scout", region: "us-chicago-1", compartmentId: "ocid1.compartment.oc1..x" },
      }),
    );
    const deadline = Date.now() + 3000;
    while (!(await hasAlias("added")) && Date.now() < deadline) await Bun.sleep(50);
    expect(await hasAlias("added")).toBe(true);

    writeModels(dir, '{"broken": ');
    await Bun.sleep(600);
    expect(await hasAlias("added")).toBe(true);
    expect(gw.output()).toContain("config reload rejected");
  });

  test("SIGHUP reloads", async () => {
    writeModels(
      dir,
      testModels({
        viahup: { id: "meta.llama-4-scout", region: "us-chicago-1", compartmentId: "ocid1.compartment.oc1..x" },
      }),
    );
    process.kill(gw.pid, "SIGHUP");
    const deadline = Date.now() + 3000;
    while (!(await hasAlias("viahup")) && Date.now() < deadline) await Bun.sleep(50);
    expect(await hasAlias("viahup")).toBe(true);
  });
});
