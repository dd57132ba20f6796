/**
 * Shutdown (issue 6): SIGTERM drains — in-flight calls finish, open streams end with an event
 * (normally if they finish within DRAIN_SECONDS, else with a final error event), /ready says
 * 503, the process exits 0. A second SIGTERM exits at once.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import type { RecordedRequest } from "../support/fake-oci";
import { ABSENCE_WINDOW_MS, waitUntil } from "../support/wait";
import {
  chatBody,
  chunkText,
  ev,
  exitWithin,
  FINISH,
  genericAnswer,
  makeRig,
  post,
  type Rig,
  rawStatus,
  readSse,
} from "./support";

let rig: Rig;

beforeAll(async () => {
  rig = await makeRig();
});
afterAll(async () => {
  await rig?.stopAll();
});

const isStream = (r: RecordedRequest) =>
  (r.body as { chatRequest?: { isStream?: boolean } } | undefined)?.chatRequest?.isStream === true;

/** A kept-alive raw connection, opened before SIGTERM, to ask /ready on once the listener is closed. */
async function keptAlive(port: number): Promise<{ get(path: string): Promise<number>; close(): void }> {
  const sock = connect({ host: "127.0.0.1", port });
  await new Promise<void>((res, rej) => {
    sock.once("connect", () => res());
    sock.once("error", rej);
  });
  let buf = "";
  let waiter: (() => void) | undefined;
  let closed = false;
  sock.on("data", (c) => {
    buf += c.toString("latin1");
    waiter?.();
  });
  sock.on("close", () => {
    closed = true;
    waiter?.();
  });
  sock.on("error", () => {});
  return {
    async get(path) {
      buf = "";
      if (closed) return 0;
      sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      const deadline = Date.now() + 1500;
      while (!/\r\n\r\n/.test(buf) && !closed && Date.now() < deadline)
        await new Promise<void>((r) => {
          waiter = r;
          setTimeout(r, 100);
        });
      return rawStatus(buf);
    },
    close: () => sock.destroy(),
  };
}

/** Polls /ready a few times while draining; answers every status seen (0 = no connection). */
async function readyDuringDrain(url: string, times = 3): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < times; i++) {
    try {
      const r = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1000) });
      seen.push(r.status);
      await r.body?.cancel();
    } catch {
      seen.push(0);
    }
    await Bun.sleep(100); // samples spread over the drain, not a wait for a condition
  }
  return seen;
}

describe("SIGTERM", () => {
  test("in-flight work finishes within DRAIN_SECONDS: the slow call gets 200, the stream ends normally, /ready is 503, exit 0", async () => {
    // LOG_LEVEL info: the gateway logs when it starts draining, which the test waits for.
    const gw = await rig.gateway({ DRAIN_SECONDS: "6", STREAM_IDLE_SECONDS: "10", LOG_LEVEL: "info" });
    rig.fake.clear();
    const words = ["one", " two", " three", " four", " five", " six"];
    rig.fake.script(
      "chat",
      (req) =>
        isStream(req)
          ? { sse: [ev(""), ...words.map(ev), FINISH], gapMs: 250, done: true }
          : { json: genericAnswer("slow but complete"), delayMs: 1500 },
      { times: 2 },
    );
    const slow = post(gw, "/v1/chat/completions", chatBody("slow"));
    const streamRes = await post(gw, "/v1/chat/completions", chatBody("stream", { stream: true }));
    expect(streamRes.status).toBe(200);
    const streamed = readSse(streamRes, 10_000);
    await rig.fake.waitFor(() => rig.fake.requestsFor("chat").length === 2, 2000);
    const conn = await keptAlive(gw.port);
    expect(await conn.get("/ready")).toBe(200);

    const termAt = performance.now();
    process.kill(gw.pid, "SIGTERM");
    await waitUntil(() => gw.output().includes("shutting down: draining"), 2000, "the drain to start");
    const ready = [await conn.get("/ready"), ...(await readyDuringDrain(gw.url))];
    conn.close();

    const slowRes = await slow;
    expect(slowRes.status).toBe(200);
    expect((await slowRes.json()).choices[0].message.content).toBe("slow but complete");
    const r = await streamed;
    expect(r.broken).toBeUndefined();
    expect(r.events.at(-1)).toBe("[DONE]");
    expect(chunkText(r.events)).toBe(words.join(""));

    const code = await exitWithin(gw, 8000);
    expect(code).toBe(0);
    expect(performance.now() - termAt).toBeLessThan(6000);
    // Draining: /ready is never 200 — 503 when it can be reached at all.
    expect(ready.filter((s) => s !== 503 && s !== 0)).toEqual([]);
    console.log(`/ready during drain: ${ready.join(", ")} (0 = refused)`);
  }, 20_000);

  test("a stream still open at the drain deadline ends with a final error event; exit 0; OCI is let go", async () => {
    const gw = await rig.gateway({ DRAIN_SECONDS: "1", STREAM_IDLE_SECONDS: "30", KEEPALIVE_SECONDS: "0.3" });
    rig.fake.clear();
    rig.fake.script("chat", { sse: [ev(""), ev("never"), ev(" ending")], gapMs: 50, end: "hang" });
    const res = await post(gw, "/v1/chat/completions", chatBody("hang", { stream: true }));
    expect(res.status).toBe(200);
    const streamed = readSse(res, 10_000);
    await rig.fake.waitFor(() => (rig.fake.streams[0]?.eventsSent ?? 0) >= 3, 2000);

    const termAt = performance.now();
    process.kill(gw.pid, "SIGTERM");
    const r = await streamed;
    const endedAfter = performance.now() - termAt;
    expect(r.events).not.toContain("[DONE]");
    const last = JSON.parse(r.events.at(-1)!);
    expect(last.error).toBeDefined();
    expect(typeof last.error.message).toBe("string");
    expect(endedAfter).toBeGreaterThanOrEqual(800);
    expect(endedAfter).toBeLessThan(3000);

    const code = await exitWithin(gw, 5000);
    expect(code).toBe(0);
    await rig.fake.waitFor(() => rig.fake.streams[0]?.closedAt !== undefined, 1000);
    expect(rig.fake.streams[0]!.clientAborted).toBe(true);
  }, 20_000);

  test("the direct /inference stream gets the seed's final error event at the drain deadline", async () => {
    const gw = await rig.gateway({ DRAIN_SECONDS: "0.5", STREAM_IDLE_SECONDS: "30" });
    rig.fake.clear();
    rig.fake.script("chat", { sse: [ev(""), ev("partial")], end: "hang" });
    const res = await post(gw, "/genai/llama/inference", { prompt: "hang", stream: true });
    const streamed = readSse(res, 10_000);
    await rig.fake.waitFor(() => (rig.fake.streams[0]?.eventsSent ?? 0) >= 2, 2000);
    process.kill(gw.pid, "SIGTERM");
    const r = await streamed;
    expect(r.events).not.toContain("[DONE]");
    expect(typeof JSON.parse(r.events.at(-1)!).error).toBe("string");
    expect(await exitWithin(gw, 5000)).toBe(0);
  }, 20_000);

  test("a second SIGTERM during a long drain exits at once", async () => {
    const gw = await rig.gateway({ DRAIN_SECONDS: "30", STREAM_IDLE_SECONDS: "60", LOG_LEVEL: "info" });
    rig.fake.clear();
    rig.fake.script("chat", { sse: [ev(""), ev("forever")], end: "hang" });
    const res = await post(gw, "/v1/chat/completions", chatBody("forever", { stream: true }));
    const streamed = readSse(res, 10_000);
    await rig.fake.waitFor(() => (rig.fake.streams[0]?.eventsSent ?? 0) >= 2, 2000);

    process.kill(gw.pid, "SIGTERM");
    // The first signal was handled (two signals sent at once could be merged into one)...
    await waitUntil(() => gw.output().includes("shutting down: draining"), 2000, "the drain to start");
    // ...and it is still draining (the stream holds it open), not exited.
    expect(await exitWithin(gw, ABSENCE_WINDOW_MS)).toBeUndefined();
    const secondAt = performance.now();
    process.kill(gw.pid, "SIGTERM");
    const code = await exitWithin(gw, 2000);
    expect(code).not.toBeUndefined();
    expect(performance.now() - secondAt).toBeLessThan(1500);
    await streamed;
  }, 20_000);
});
