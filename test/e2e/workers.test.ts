/**
 * `--workers N` on the compiled binary: one start-up line for N processes on one port, a crashed
 * worker started again, SIGTERM draining every worker, the port still refused to unrelated
 * instances, state shared through SQLite (one agent session per conversation, one rpm limit for
 * all workers), and the memory store refused. And as shipped, one process holding more upstream
 * streams than Bun's default 256.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY_SETUP_TIMEOUT_MS, binaryDir } from "../support/binary";
import { type FakeOci, startFakeOci } from "../support/fake-oci";
import { BUN, type Gateway, REPO, runCli, startGateway, tempDir, testModels, writeModels } from "../support/gateway";
import { makeTestCredentials } from "../support/keys";
import { waitUntil } from "../support/wait";

let bin: string;
let fake: FakeOci;
let dir: string;
const running: Gateway[] = [];

beforeAll(async () => {
  bin = (await binaryDir()).bin;
  dir = tempDir();
  const creds = await makeTestCredentials(dir, { relativeKeyFile: true });
  fake = await startFakeOci({ keys: [creds] });
  // `bench` is the alias bench/hold-streams.ts asks for.
  writeModels(dir, testModels({ bench: testModels().llama }));
  writeFileSync(
    join(dir, "api_keys.json"),
    JSON.stringify({
      limited: { sha256: createHash("sha256").update("limited-key").digest("hex"), rpm: 5 },
      counted: { sha256: createHash("sha256").update("counted-key").digest("hex") },
      ops: { sha256: createHash("sha256").update("ops-key").digest("hex"), admin: true },
    }),
  );
}, BINARY_SETUP_TIMEOUT_MS);
afterAll(async () => {
  // Each one, whatever became of the others: a failed stop must not leave the rest running.
  await Promise.allSettled(running.map((g) => g.stop("SIGKILL")));
  await fake?.stop();
});

async function start(args: string[], env: Record<string, string> = {}): Promise<Gateway> {
  const g = await startGateway({
    binary: bin,
    args: ["--config-dir", dir, ...args],
    env: { OCI_INFERENCE_ENDPOINT: fake.url, OCI_AGENT_ENDPOINT: fake.url, API_KEY: "k", LOG_LEVEL: "info", ...env },
  });
  running.push(g);
  return g;
}

/** Pids of the workers that said they started, from the supervisor's combined output. */
const workerPids = (g: Gateway) =>
  [...g.output().matchAll(/"msg":"started"[^\n]*"worker":(\d+),"pid":(\d+)/g)].map((m) => ({
    worker: Number(m[1]),
    pid: Number(m[2]),
  }));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const say = (t: string) => ({ message: { role: "ASSISTANT", content: [{ type: "TEXT", text: t }] } });
const chat = (g: Gateway, key = "k") =>
  fetch(`${g.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "llama", messages: [{ role: "user", content: "hi" }] }),
  });

describe("two workers on one port", () => {
  let g: Gateway;
  beforeAll(async () => {
    g = await start(["--workers", "2"]);
    await waitUntil(async () => workerPids(g).length === 2, 10_000);
  }, 30_000);

  test("one start-up line for both; two processes serve; the port is refused to an unrelated instance", async () => {
    expect(g.output().match(/listening on/g)).toHaveLength(1);
    expect(g.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ .* workers=2/);
    const pids = workerPids(g).map((w) => w.pid);
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(g.pid);
    const answers = await Promise.all(Array.from({ length: 20 }, () => chat(g)));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const other = await runCli({ binary: bin, args: ["--config-dir", dir, "--port", String(g.port)], env: {} });
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(`cannot listen on 0.0.0.0:${g.port}`);
    const group = await runCli({
      binary: bin,
      args: ["--config-dir", dir, "--port", String(g.port), "--workers", "2"],
      env: {},
    });
    expect(group.code).toBe(2);
    expect(group.stderr).toContain("cannot listen");
  });

  test("an agent conversation keeps one OCI session across workers (SQLite shared)", async () => {
    fake.clear();
    const before = fake.sessions.size;
    const turns: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await fetch(`${g.url}/genai/my-agent/chat`, {
        method: "POST",
        headers: { authorization: "Bearer k", "content-type": "application/json" },
        body: JSON.stringify({ channel: "web", cuid: "across-workers", userMessage: `m${i}` }),
      });
      expect(r.status).toBe(200);
      const text = ((await r.json()) as { agentResponse: { content: Array<{ text: string }> } }).agentResponse
        .content[0]!.text;
      turns.push(Number(/^turn (\d+)/.exec(text)![1]));
    }
    expect(fake.sessions.size - before).toBe(1);
    expect(turns).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test("a team key's rpm is one limit for both workers", async () => {
    const statuses = (await Promise.all(Array.from({ length: 10 }, () => chat(g, "limited-key")))).map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
  });

  // A new connection per request: the kernel spreads connections, not requests, over the workers.
  const fresh = (path: string, init: { key: string; body?: unknown }) =>
    fetch(`${g.url}${path}`, {
      method: init.body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${init.key}`, "content-type": "application/json", connection: "close" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });

  test("a stored response is found whichever worker answers (SQLite shared)", async () => {
    for (let i = 0; i < 4; i++) {
      const created = await fresh("/v1/responses", { key: "k", body: { model: "llama", input: `r${i}` } });
      expect(created.status).toBe(200);
      const { id } = (await created.json()) as { id: string };
      // Eight reads on eight connections: unshared, about half would land on the other worker's empty store.
      const reads = await Promise.all(Array.from({ length: 8 }, () => fresh(`/v1/responses/${id}`, { key: "k" })));
      expect(reads.map((r) => r.status)).toEqual(Array(8).fill(200));
      for (const r of reads) expect(((await r.json()) as { id: string }).id).toBe(id);
    }
  });

  test("the usage ledger counts every worker's answers", async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        fresh("/v1/chat/completions", {
          key: "counted-key",
          body: { model: "llama", messages: [{ role: "user", content: "hi" }] },
        }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(12).fill(200));
    // Each worker writes an unlimited key's usage at most once a second (docs/teams-and-quotas.md);
    // the report waits for the other worker's batch, so the first one asked for counts all 12.
    const r = await fresh("/admin/usage?key=counted", { key: "ops-key" });
    expect(((await r.json()) as { totals: { requests: number } }).totals.requests).toBe(12);
  });

  test("a crashed worker is started again and the port keeps answering", async () => {
    const [first] = workerPids(g);
    process.kill(first!.pid, "SIGKILL");
    await waitUntil(async () => workerPids(g).length === 3, 10_000);
    const restarted = workerPids(g)[2]!;
    expect(restarted.worker).toBe(first!.worker);
    expect(restarted.pid).not.toBe(first!.pid);
    expect(g.output()).toContain("worker exited; starting it again");
    const answers = await Promise.all(Array.from({ length: 10 }, () => chat(g)));
    expect(answers.every((r) => r.status === 200)).toBe(true);
  }, 20_000);

  // A worker has no SIGHUP handler until it is up, and the signal's default action ends it.
  test("reloads (SIGHUP) sent while a worker is starting do not kill it", async () => {
    const before = workerPids(g).length;
    const victim = workerPids(g).at(-1)!;
    process.kill(victim.pid, "SIGKILL");
    const deadline = Date.now() + 4_000;
    while (Date.now() < deadline && workerPids(g).length === before) {
      process.kill(g.pid, "SIGHUP");
      await Bun.sleep(5);
    }
    await waitUntil(async () => workerPids(g).length === before + 1, 10_000);
    await Bun.sleep(300);
    const restarted = workerPids(g).at(-1)!;
    expect(alive(restarted.pid)).toBe(true);
    expect(g.output()).not.toContain('"signal":"SIGHUP"');
    const answers = await Promise.all(Array.from({ length: 6 }, () => chat(g)));
    expect(answers.every((r) => r.status === 200)).toBe(true);
  }, 20_000);

  test("SIGTERM: an open stream finishes, then every worker and the supervisor exit 0", async () => {
    fake.script("chat", {
      sse: [...["one", " two", " three"].map(say), { ...say(""), finishReason: "stop" }],
      done: true,
      gapMs: 400,
    });
    const stream = await fetch(`${g.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer k", "content-type": "application/json" },
      body: JSON.stringify({ model: "llama", stream: true, messages: [{ role: "user", content: "hi" }] }),
    });
    // The stream may have gone to either worker; whichever it is drains it.
    const body = stream.text();
    await Bun.sleep(100);
    const pids = workerPids(g)
      .map((w) => w.pid)
      .filter(alive);
    const code = await g.stop("SIGTERM");
    expect(code).toBe(0);
    const text = await body;
    expect(text).toContain("three");
    expect(text).toContain("[DONE]");
    expect(pids.filter(alive)).toEqual([]);
  }, 20_000);
});

describe("the shared SQLite file deleted under the workers", () => {
  // A worker started again would open a new file while the other went on with the deleted one:
  // two stores, limits counted apart. Each worker sees the file gone and starts again on the new one.
  test("every worker starts again on the file at the path: one rpm limit again", async () => {
    const db = join(tempDir(), "state.db");
    const g = await start(["--workers", "2"], { SESSION_STORE: `sqlite:${db}`, DRAIN_SECONDS: "1" });
    await waitUntil(async () => workerPids(g).length === 2, 10_000);
    for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
    // One after the other, so the port keeps answering meanwhile.
    let refused = 0;
    await waitUntil(
      async () => {
        const ok = await fetch(`${g.url}/health`, { headers: { connection: "close" } }).then(
          (r) => r.status === 200,
          () => false,
        );
        if (!ok) refused++;
        return workerPids(g).length === 4;
      },
      25_000,
      "both workers started again",
    );
    expect(refused).toBe(0);
    expect(g.output()).toContain("the shared state file is no longer at its path");
    const statuses = [];
    for (let i = 0; i < 10; i++) {
      const r = await fetch(`${g.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer limited-key", "content-type": "application/json", connection: "close" },
        body: JSON.stringify({ model: "llama", messages: [{ role: "user", content: "hi" }] }),
      });
      statuses.push(r.status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(5); // rpm 5, one limit for both
  }, 40_000);
});

describe("a supervisor killed outright", () => {
  test("its workers drain and exit, and the port is free for the next start", async () => {
    const g = await start(["--workers", "2"]);
    await waitUntil(async () => workerPids(g).length === 2, 10_000);
    const pids = workerPids(g).map((w) => w.pid);
    process.kill(g.pid, "SIGKILL");
    await g.proc.exited;
    await waitUntil(async () => pids.every((p) => !alive(p)), 10_000, "workers gone");
    const again = await start(["--workers", "2", "--port", String(g.port)]);
    await waitUntil(async () => workerPids(again).length === 2, 10_000);
    expect((await chat(again)).status).toBe(200);
  }, 30_000);
});

describe("refusals", () => {
  test("the memory store with several workers: exit 2, saying why", async () => {
    const r = await runCli({
      binary: bin,
      args: ["--config-dir", dir, "--port", "0", "--workers", "2"],
      env: { SESSION_STORE: "memory", TEST_MODE: "true" },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("memory");
  });

  test("a SQLite file the workers cannot use: exit 2, rather than N memory stores each counting quotas apart", async () => {
    const r = await runCli({
      binary: bin,
      args: ["--config-dir", dir, "--port", "0", "--workers", "2"],
      env: { SESSION_STORE: "sqlite:/proc/nope/x.db", TEST_MODE: "true" },
      timeoutMs: 10_000,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("/proc/nope/x.db");
    expect(r.stderr).toContain("workers must share one store");
  });

  test("a bad --workers value: exit 2 naming it", async () => {
    const r = await runCli({
      binary: bin,
      args: ["--config-dir", dir, "--workers", "zero"],
      env: { TEST_MODE: "true" },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--workers");
  });
});

describe("as shipped", () => {
  test("one process holds 300 upstream streams at once (more than Bun's default 256), no variable set; the surge is collected", async () => {
    const g = await start([], {});
    fake.clear();
    fake.script(
      "chat",
      { sse: [...["a", "b", "c"].map(say), { ...say(""), finishReason: "stop" }], done: true, gapMs: 2000 },
      { times: 300 },
    );
    // The client is a process of its own: this test runner's fetch is held to Bun's 256 too.
    const holder = Bun.spawn(
      [BUN, join(REPO, "bench/hold-streams.ts"), `${g.url}/v1/chat/completions`, "300", "1500", "15000", "k"],
      { env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: "1024" }, stdout: "pipe", stderr: "inherit" },
    );
    let out = "";
    const dec = new TextDecoder();
    for await (const chunk of holder.stdout) {
      out += dec.decode(chunk, { stream: true });
      if (out.includes("READY")) break;
    }
    const ready = JSON.parse(/READY (\{.*\})/.exec(out)![1]!) as { firstEvent: number; failed: number };
    const openUpstream = fake.streams.filter((s) => s.closedAt === undefined).length;
    // 250 streams opened at once ask for one collection (server/memory-governor.ts), counted once it ran.
    const metrics = await (await fetch(`${g.url}/metrics`, { headers: { authorization: "Bearer k" } })).text();
    holder.kill();
    await holder.exited;
    expect(ready).toMatchObject({ firstEvent: 300, failed: 0 });
    expect(openUpstream).toBe(300);
    expect(metrics).toMatch(/^ocigenai_gc_collections_total\{reason="stream_surge"\} 1$/m);
    // node:http carries them: the process did not relaunch itself to raise Bun's fetch limit.
    expect(environOf(g.pid)).not.toContain("BUN_CONFIG_MAX_HTTP_REQUESTS=");
    await g.stop();
  }, 40_000);

  test("with a proxy configured, serve relaunches in place (same pid) with Bun's fetch limit raised", async () => {
    // HTTPS_PROXY only: the fake is plain http, so its calls still go direct and must still work.
    const g = await start([], { HTTPS_PROXY: "http://127.0.0.1:9" });
    expect(environOf(g.pid)).toContain("BUN_CONFIG_MAX_HTTP_REQUESTS=4096");
    const r = await fetch(`${g.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer k", "content-type": "application/json" },
      body: JSON.stringify({ model: "llama", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(r.status).toBe(200);
    await g.stop();
  });
});

/** A process's environment as the kernel holds it (what execve gave it). */
function environOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
}
