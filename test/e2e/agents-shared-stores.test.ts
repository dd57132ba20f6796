/**
 * Session stores with real processes: SQLite across a restart of the binary, and Redis shared by
 * two binaries (one session per key, turns serialized across instances, 503 while Redis is down).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { BINARY_SETUP_TIMEOUT_MS, binaryDir } from "../support/binary";
import { type FakeOci, startFakeOci } from "../support/fake-oci";
import { type Gateway, startGateway } from "../support/gateway";
import { makeTestCredentials } from "../support/keys";
import { skipRedis, startRedis } from "../support/redis";

let fake: FakeOci;
let deploy: { dir: string; bin: string };
const running: Gateway[] = [];

beforeAll(async () => {
  deploy = await binaryDir();
  const creds = await makeTestCredentials(deploy.dir, { relativeKeyFile: true });
  fake = await startFakeOci({ keys: [creds] });
}, BINARY_SETUP_TIMEOUT_MS);
afterAll(async () => {
  for (const g of running) await g.stop();
  await fake?.stop();
});

async function start(env: Record<string, string>): Promise<Gateway> {
  const g = await startGateway({ binary: deploy.bin, env: { OCI_AGENT_ENDPOINT: fake.url, ...env } });
  running.push(g);
  return g;
}

const chat = async (g: Gateway, cuid: string, userMessage: string) => {
  const r = await fetch(`${g.url}/genai/my-agent/chat`, {
    method: "POST",
    body: JSON.stringify({ channel: "web", cuid, userMessage }),
  });
  return { status: r.status, body: (await r.json()) as Record<string, any> };
};

describe("SQLite (the default store)", () => {
  test("a restart of the binary keeps channel+cuid on the same OCI session", async () => {
    const first = await start({});
    const a = await chat(first, "persistent", "before restart");
    expect(a.body.sessionInfo.reused).toBe(false);
    expect(await first.stop()).toBe(0);
    expect(await Bun.file(join(deploy.dir, "ocigenai-sessions.db")).exists()).toBe(true);
    const second = await start({});
    const b = await chat(second, "persistent", "after restart");
    expect(b.body.sessionInfo).toMatchObject({ sessionId: a.body.sessionInfo.sessionId, reused: true });
    expect(b.body.agentResponse.content[0].text).toBe("turn 2: after restart");
  });
});

describe.skipIf(skipRedis)("Redis shared by two instances", () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let one: Gateway;
  let two: Gateway;

  beforeAll(async () => {
    redis = await startRedis();
    one = await start({ SESSION_STORE: redis.url });
    two = await start({ SESSION_STORE: redis.url });
  });
  afterAll(async () => {
    await redis?.stop();
  });

  test("one key, one session, turns serialized across both instances", async () => {
    fake.clear();
    fake.agentRuntime.chatDelayMs = 30;
    const refusedBefore = fake.agentRuntime.busyRefusals;
    try {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => chat(i % 2 ? one : two, "shared-key", `m${i}`)),
      );
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
      expect(new Set(results.map((r) => r.body.sessionInfo.sessionId)).size).toBe(1);
      const turns = results
        .map((r) => Number(/^turn (\d+):/.exec(r.body.agentResponse.content[0].text)![1]))
        .sort((x, y) => x - y);
      expect(turns).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(fake.requestsFor("createSession")).toHaveLength(1);
      expect(fake.agentRuntime.busyRefusals).toBe(refusedBefore);
    } finally {
      fake.agentRuntime.chatDelayMs = 0;
    }
  });

  test("Redis down → 503 with a clear message (no new session); back up → works again", async () => {
    const before = await chat(one, "outage", "hello");
    expect(before.status).toBe(200);
    await redis.stop();
    fake.clear();
    const t0 = performance.now();
    const during = await chat(two, "outage", "are you there?");
    expect(during.status).toBe(503);
    expect(during.body.error).toContain("session store");
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(fake.requestsFor("createSession")).toHaveLength(0);
    await redis.restart();
    const after = await chat(two, "outage", "back");
    expect(after.status).toBe(200);
  });
});
