/**
 * Issue 11 on a real process against the fake OCI: raw request targets that Bun and a router
 * could read differently (#4, #11), broken Host headers (#10), a busy port (#15), manual
 * sessions after a restart of the memory store (#6), one key's stalled streams against another
 * key's chat (#8), and a disabled files feature that must not call OCI (#19).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { makeRig, post, type Rig, rawHttp, rawStatus } from "../faults/support";
import { runCli } from "../support/gateway";

let rig: Rig;
beforeAll(async () => {
  rig = await makeRig();
});
afterAll(async () => {
  await rig?.stopAll();
});

const agentEnv = () => ({ OCI_AGENT_ENDPOINT: rig.fake.url, OCI_OBJECT_STORAGE_ENDPOINT: rig.fake.url });
const body = (a: string) => a.slice(a.indexOf("\r\n\r\n") + 4);

describe("the raw request target decides once (#4, #10, #11)", () => {
  test("backslash dot-segments and '..' reach no handler without a key, and OCI sees nothing", async () => {
    const g = await rig.gateway({ API_KEY: "k", ...agentEnv() });
    rig.fake.clear();
    for (const target of [
      "GET /v1/models/x\\..\\..\\..\\health",
      "DELETE /genai/my-agent/session/ID\\..\\..\\..\\..\\health",
      "DELETE /genai/my-agent/session/..",
      "DELETE /genai/my-agent/session/%2e%2e",
      "GET /v1/files/x\\..\\..\\..\\ready",
    ]) {
      const a = await rawHttp(g.port, `${target} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      const status = rawStatus(a);
      // Either refused for want of a key, or (once the URL is normalised) an open route's own answer.
      if (status !== 401) expect(body(a)).toMatch(/^\{"status":"(ok|ready)"/);
    }
    expect(rig.fake.requests.filter((r) => r.op !== "notFound")).toEqual([]);
  });

  test("with a key, '..' as a session id never becomes a signed DELETE elsewhere", async () => {
    const g = await rig.gateway({ API_KEY: "k", ...agentEnv() });
    rig.fake.clear();
    for (const id of ["..", "%2e%2e", "a%2F..%2F..", "ID\\..\\.."]) {
      const a = await rawHttp(
        g.port,
        `DELETE /genai/my-agent/session/${id} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer k\r\n\r\n`,
      );
      expect([400, 404]).toContain(rawStatus(a));
    }
    expect(rig.fake.requestsFor("deleteSession")).toEqual([]);
    expect(rig.fake.requests.map((r) => r.path)).toEqual([]);
  });

  test("a missing or malformed Host header is a 400 in JSON, never a 500 or a development page", async () => {
    const g = await rig.gateway({ API_KEY: "k" });
    for (const head of [
      "GET /v1/models HTTP/1.1\r\nHost: x/y",
      "GET /v1/models HTTP/1.0",
      "POST /genai/llama/inference HTTP/1.1\r\nHost: a b\r\nContent-Length: 15",
      "GET /health HTTP/1.1\r\nHost: evil.example/../",
    ]) {
      const a = await rawHttp(g.port, `${head}\r\nAuthorization: Bearer k\r\n\r\n{"prompt":"hi"}`);
      const status = rawStatus(a);
      expect(status).toBeLessThan(500);
      expect(a.length).toBeLessThan(4096);
      expect(a).not.toContain("at ");
      expect(a.toLowerCase()).toContain("content-type: application/json");
    }
    // Refused before they were counted as active, they are not uncounted either: the gauge
    // went below zero by one with each.
    const metrics = await fetch(`${g.url}/metrics`, { headers: { authorization: "Bearer k" } });
    const active = (await metrics.text()).split("\n").find((l) => l.startsWith("ocigenai_active_requests "));
    expect(Number(active!.split(" ")[1])).toBeGreaterThanOrEqual(0);
  });
});

describe("probes without a Host header", () => {
  // HAProxy's default health check (`option httpchk GET /health`) is HTTP/1.0 with no Host.
  test("liveness and readiness answer a Host-less probe; every other route still refuses it", async () => {
    const g = await rig.gateway({ API_KEY: "k" });
    for (const [head, status] of [
      ["GET /health HTTP/1.0", 200],
      ["GET /ready HTTP/1.0", 200],
      ["HEAD / HTTP/1.0", 200],
      ["GET /health?full=1 HTTP/1.0", 200],
      ["GET /v1/models HTTP/1.0\r\nAuthorization: Bearer k", 400],
      ["POST /health HTTP/1.0", 400],
    ] as const) {
      const a = await rawHttp(g.port, `${head}\r\n\r\n`);
      expect({ head, status: rawStatus(a) }).toEqual({ head, status });
      if (head.startsWith("GET /health")) expect(a).toContain('{"status":"ok"}');
      if (head.startsWith("GET /ready")) expect(a).toContain('"status":"ready"');
    }
  });
});

describe("a key-less gateway and names pointed at this machine (DNS rebinding)", () => {
  // A page of evil.example, whose name now points here, reads its own origin: a GET carries no
  // Origin, only its Host.
  test("a Host that does not name this machine → 403 foreign_host; localhost, 127.x and [::1] are served", async () => {
    const g = await rig.gateway({});
    const get = (host: string) =>
      rawHttp(g.port, `GET /v1/models HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    const refused = await get(`evil.example:${g.port}`);
    expect(rawStatus(refused)).toBe(403);
    expect(refused).toContain('"code":"foreign_host"');
    for (const host of [`localhost:${g.port}`, `127.0.0.1:${g.port}`, `[::1]:${g.port}`, "app.localhost"])
      expect({ host, status: rawStatus(await get(host)) }).toEqual({ host, status: 200 });
    // With a key, the key decides whatever the Host says.
    const keyed = await rig.gateway({ API_KEY: "k" });
    const withKey = await rawHttp(
      keyed.port,
      `GET /v1/models HTTP/1.1\r\nHost: gateway.example\r\nAuthorization: Bearer k\r\nConnection: close\r\n\r\n`,
    );
    expect(rawStatus(withKey)).toBe(200);
  });
});

describe("a port already in use (#15)", () => {
  test("a second instance fails with 'in use' and a non-zero exit, and the first keeps the port", async () => {
    const first = await rig.gateway({});
    const second = await runCli({
      args: ["--config-dir", rig.dir, "--port", String(first.port), "--host", "127.0.0.1"],
      env: { TEST_MODE: "true" },
      timeoutMs: 10_000,
    });
    expect(second.code).not.toBe(0);
    expect(second.stdout + second.stderr).toMatch(/in use/i);
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
  });
});

describe("manual sessions after a restart of the memory store (#6)", () => {
  test("key B cannot chat on or delete key A's session; unknown ownership is refused", async () => {
    const env = { API_KEYS: "key-a,key-b", SESSION_STORE: "memory", ...agentEnv() };
    const a = { authorization: "Bearer key-a" };
    const b = { authorization: "Bearer key-b" };
    let g = await rig.gateway(env);
    const opened = await post(g, "/genai/my-agent/session", { channel: "web", cuid: "u1" }, a);
    expect(opened.status).toBe(200);
    const sessionId = (await opened.json()).id as string;
    // Before the restart the store knows the owner: B is refused, A is served.
    expect((await post(g, "/genai/my-agent/chat", { sessionId, userMessage: "hi" }, b)).status).toBe(409);
    expect((await post(g, "/genai/my-agent/chat", { sessionId, userMessage: "hi" }, a)).status).toBe(200);
    await g.stop();
    g = await rig.gateway(env);
    rig.fake.clear();
    const chat = await post(g, "/genai/my-agent/chat", { sessionId, userMessage: "hi" }, b);
    expect(chat.status).toBe(409);
    const del = await fetch(`${g.url}/genai/my-agent/session/${sessionId}`, { method: "DELETE", headers: b });
    expect(del.status).toBe(404);
    expect(rig.fake.requestsFor("agentChat")).toEqual([]);
    expect(rig.fake.requestsFor("deleteSession")).toEqual([]);
  });
});

describe("one key cannot take the upstream capacity of all (#8)", () => {
  test("key A's stalled streams get 429 past its share while key B's chat completes", async () => {
    const g = await rig.gateway({ API_KEYS: "key-a,key-b", BUN_CONFIG_MAX_HTTP_REQUESTS: "8" });
    rig.fake.clear();
    rig.fake.script(
      "chat",
      (req) =>
        JSON.stringify(req.body).includes("stall")
          ? { sse: [{ index: 0, message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "…" }] } }], end: "hang" }
          : {
              json: {
                chatResponse: {
                  apiFormat: "GENERIC",
                  choices: [
                    {
                      index: 0,
                      message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "fine" }] },
                      finishReason: "stop",
                    },
                  ],
                },
              },
            },
      { times: Number.POSITIVE_INFINITY },
    );
    const a = { authorization: "Bearer key-a" };
    const stalls = new AbortController();
    const opened = await Promise.all(
      Array.from({ length: 12 }, () =>
        fetch(`${g.url}/v1/chat/completions`, {
          method: "POST",
          headers: { ...a, "content-type": "application/json" },
          body: JSON.stringify({ model: "llama", stream: true, messages: [{ role: "user", content: "stall" }] }),
          signal: stalls.signal,
        }).catch(() => undefined),
      ),
    );
    const statuses = opened.map((r) => r?.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(8);
    const started = performance.now();
    const other = await post(
      g,
      "/v1/chat/completions",
      { model: "llama", messages: [{ role: "user", content: "hello" }] },
      { authorization: "Bearer key-b" },
    );
    expect(other.status).toBe(200);
    expect((await other.json()).choices[0].message.content).toBe("fine");
    expect(performance.now() - started).toBeLessThan(5000);
    stalls.abort();
  }, 20_000);
});

describe("a disabled feature makes no OCI call (#19)", () => {
  test("without GENAI_BUCKET, the files routes answer 503 before any Object Storage request", async () => {
    const g = await rig.gateway(agentEnv());
    rig.fake.clear();
    for (const [method, path] of [
      ["GET", "/v1/files"],
      ["GET", "/v1/files/file-Z2VuYWktdXBsb2Fkcy9sb2NhbC92aXNpb24veC9hLnBuZw"],
      ["DELETE", "/v1/files/file-Z2VuYWktdXBsb2Fkcy9sb2NhbC92aXNpb24veC9hLnBuZw"],
    ] as const) {
      const r = await fetch(`${g.url}${path}`, { method });
      expect(r.status).toBe(503);
      expect((await r.json()).error.message).toContain("GENAI_BUCKET");
    }
    expect(rig.fake.requests).toEqual([]);
  });
});
