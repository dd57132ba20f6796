/**
 * Client faults (issue 6): clients that leave, clients that read slowly, and many clients at
 * once. The gateway must abort OCI promptly, keep its memory bounded and never mix streams up.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { makeTestApp } from "../support/app";
import type { Gateway } from "../support/gateway";
import { absenceWindow } from "../support/wait";
import { chatBody, chunkText, ev, FINISH, httpBody, makeRig, post, type Rig, readSse, rssKb } from "./support";

let rig: Rig;
let gw: Gateway;

beforeAll(async () => {
  rig = await makeRig();
  // 200 streams from one caller need an upstream capacity whose fair share (half) covers them.
  gw = await rig.gateway({
    UPSTREAM_TIMEOUT_SECONDS: "20",
    STREAM_IDLE_SECONDS: "20",
    BUN_CONFIG_MAX_HTTP_REQUESTS: "512",
  });
});
afterAll(async () => {
  await rig?.stopAll();
});

describe("clients that leave", () => {
  test("disconnect mid-stream (OpenAI route) → the fake sees the abort within 1 s", async () => {
    rig.fake.clear();
    rig.fake.script("chat", { sse: Array.from({ length: 100 }, (_, i) => ev(`w${i} `)), gapMs: 100, end: "hang" });
    const ctrl = new AbortController();
    const res = await post(gw, "/v1/chat/completions", chatBody("long", { stream: true }), {}, ctrl.signal);
    const reader = res.body!.getReader();
    await reader.read();
    await reader.read();
    const leftAt = Date.now();
    ctrl.abort();
    await reader.cancel().catch(() => {});
    await rig.fake.waitFor(() => rig.fake.streams[0]?.closedAt !== undefined, 1500);
    const s = rig.fake.streams[0]!;
    expect(s.clientAborted).toBe(true);
    expect(s.closedAt! - leftAt).toBeLessThan(1000);
    expect(s.eventsSent).toBeLessThan(100);
  });

  test("disconnect mid-stream (direct /inference) → the fake sees the abort within 1 s", async () => {
    rig.fake.clear();
    rig.fake.script("chat", { sse: Array.from({ length: 100 }, (_, i) => ev(`w${i} `)), gapMs: 100, end: "hang" });
    const ctrl = new AbortController();
    const res = await post(gw, "/genai/llama/inference", { prompt: "long", stream: true }, {}, ctrl.signal);
    const reader = res.body!.getReader();
    await reader.read();
    const leftAt = Date.now();
    ctrl.abort();
    await reader.cancel().catch(() => {});
    await rig.fake.waitFor(() => rig.fake.streams[0]?.closedAt !== undefined, 1500);
    expect(rig.fake.streams[0]!.clientAborted).toBe(true);
    expect(rig.fake.streams[0]!.closedAt! - leftAt).toBeLessThan(1000);
  });

  test("disconnect during a slow non-stream call → the fake sees the abort within 1 s", async () => {
    rig.fake.clear();
    rig.fake.script("chat", { json: {}, delayMs: 8000 });
    const ctrl = new AbortController();
    const pending = post(gw, "/v1/chat/completions", chatBody("slow"), {}, ctrl.signal).catch(() => undefined);
    // The call is in flight once OCI has it: the gateway is now waiting on the slow answer.
    await rig.fake.waitFor(() => rig.fake.requestsFor("chat").length === 1, 2000);
    const leftAt = Date.now();
    ctrl.abort();
    await pending;
    await rig.fake.waitFor(() => rig.fake.requestsFor("chat")[0]?.abortedAt !== undefined, 1500);
    expect(rig.fake.requestsFor("chat")[0]!.abortedAt! - leftAt).toBeLessThan(1000);
    // Nothing retried the abandoned call.
    await absenceWindow(); // a late retry would show up here
    expect(rig.fake.requestsFor("chat")).toHaveLength(1);
    // The gateway still serves.
    expect((await post(gw, "/v1/chat/completions", chatBody("after"))).status).toBe(200);
  });
});

describe("a slow reader", () => {
  test("reading one chunk per 200 ms of a fast 96 MB stream: RSS stays bounded, nothing is lost", async () => {
    rig.fake.clear();
    const EVENTS = 3000;
    const piece = (i: number) => `<${String(i).padStart(5, "0")}:${"z".repeat(32 * 1024 - 8)}>`;
    // 3000 × 32 KB of text: far more than the socket buffers, so only backpressure keeps it out of memory.
    rig.fake.script("chat", {
      sse: [ev(""), ...Array.from({ length: EVENTS }, (_, i) => ev(piece(i))), FINISH],
      done: true,
    });
    Bun.gc(true);
    await Bun.sleep(200);
    const before = rssKb(gw.pid);
    // A raw socket, paused between reads: fetch would read ahead into its own buffer.
    const body = JSON.stringify(chatBody("firehose", { stream: true }));
    const sock = connect({ host: "127.0.0.1", port: gw.port });
    const received: Buffer[] = [];
    let reads = 0;
    let slowPeak = before;
    let overallPeak = before;
    let sentDuringSlowPhase = 0;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => resolve(), 45_000);
      const finish = () => {
        clearTimeout(timer);
        resolve();
      };
      sock.on("connect", () =>
        sock.write(
          `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        ),
      );
      sock.on("data", (c: Buffer) => {
        received.push(c);
        reads++;
        if (reads <= 20) {
          // Slow phase: one chunk per 200 ms (~4 s).
          sock.pause();
          setTimeout(() => {
            slowPeak = Math.max(slowPeak, rssKb(gw.pid));
            if (reads === 20) sentDuringSlowPhase = rig.fake.streams[0]?.eventsSent ?? 0;
            sock.resume();
          }, 200);
        } else if (reads % 64 === 0) overallPeak = Math.max(overallPeak, rssKb(gw.pid));
      });
      sock.on("end", finish);
      sock.on("close", finish);
      sock.on("error", finish);
    });
    sock.destroy();
    overallPeak = Math.max(overallPeak, slowPeak);
    const { head, body: payload } = httpBody(Buffer.concat(received));
    expect(head).toStartWith("HTTP/1.1 200");
    const events = payload
      .toString("utf8")
      .split("\n\n")
      .filter((f) => f.startsWith("data: "))
      .map((f) => f.slice(6));
    expect(events.at(-1)).toBe("[DONE]");
    const text = chunkText(events);
    expect(text.length).toBe(EVENTS * 32 * 1024);
    expect(text).toBe(Array.from({ length: EVENTS }, (_, i) => piece(i)).join(""));
    const growthMb = (slowPeak - before) / 1024;
    const overallMb = (overallPeak - before) / 1024;
    console.log(
      `slow reader: RSS before ${Math.round(before / 1024)} MB, +${growthMb.toFixed(1)} MB while reading slowly, +${overallMb.toFixed(1)} MB overall; fake had sent ${sentDuringSlowPhase}/${EVENTS + 3} events after the slow phase`,
    );
    // While the client reads slowly the gateway must not take the upstream in: buffering would
    // put most of the 96 MB in its memory. Generous margin for GC and socket buffers.
    expect(growthMb).toBeLessThan(64);
    expect(overallMb).toBeLessThan(160);
    // Backpressure reached OCI: the fake was held back while the client read slowly.
    expect(sentDuringSlowPhase).toBeGreaterThan(0);
    expect(sentDuringSlowPhase).toBeLessThan(EVENTS / 2);
  }, 60_000);
});

describe("many clients at once", () => {
  test("200 concurrent streams against the fake → each stream carries its own prompt", async () => {
    rig.fake.clear();
    const N = 200;
    const prompts = Array.from({ length: N }, (_, i) => `prompt-${i} alpha-${i * 7} omega-${i * 13}`);
    const started = performance.now();
    const results = await Promise.all(
      prompts.map(async (p) => {
        const res = await post(gw, "/v1/chat/completions", chatBody(p, { stream: true }));
        const r = await readSse(res, 30_000);
        return { status: res.status, r };
      }),
    );
    console.log(`200 concurrent streams: ${Math.round(performance.now() - started)} ms`);
    results.forEach(({ status, r }, i) => {
      expect(status).toBe(200);
      expect(r.events.at(-1)).toBe("[DONE]");
      expect(chunkText(r.events)).toBe(`Echo: ${prompts[i]}`);
    });
    expect(rig.fake.requestsFor("chat")).toHaveLength(N);
    expect(rig.fake.requestsFor("chat").every((q) => q.signatureOk)).toBe(true);
  }, 60_000);

  // No socket is needed to see streams mix up inside the app: in process (app.handle), TEST_MODE.
  // The same check over real connections is the test above, against the fake OCI.
  test("200 concurrent streams in TEST_MODE → no cross-talk", async () => {
    const { call } = makeTestApp({ env: { BUN_CONFIG_MAX_HTTP_REQUESTS: "512" } });
    const N = 200;
    const prompts = Array.from({ length: N }, (_, i) => `tm-${i} q${i * 3}`);
    const results = await Promise.all(
      prompts.map(async (p) => {
        const res = await call("/v1/chat/completions", { method: "POST", json: chatBody(p, { stream: true }) });
        return { status: res.status, r: await readSse(res, 30_000) };
      }),
    );
    results.forEach(({ status, r }, i) => {
      expect(status).toBe(200);
      expect(r.events.at(-1)).toBe("[DONE]");
      expect(chunkText(r.events)).toBe(`[TEST_MODE] Simulated response to: ${prompts[i]}`);
    });
  }, 60_000);
});
