/**
 * Upstream faults (issue 6): the fake OCI is slow, silent, failing, lying or gone; the gateway
 * answers with the contract's status, within its deadlines, with the one retry policy.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Gateway } from "../support/gateway";
import { absenceWindow, waitUntil } from "../support/wait";
import {
  chatBody,
  closedPort,
  ev,
  FINISH,
  genericAnswer,
  logLines,
  makeRig,
  post,
  type Rig,
  readSse,
  rid,
} from "./support";

let rig: Rig;
/** Long deadline, short idle limit. */
let gw: Gateway;
/** Short deadline. */
let gwShort: Gateway;

beforeAll(async () => {
  rig = await makeRig();
  [gw, gwShort] = await Promise.all([
    rig.gateway({ UPSTREAM_TIMEOUT_SECONDS: "15", STREAM_IDLE_SECONDS: "0.8", KEEPALIVE_SECONDS: "0.2" }),
    rig.gateway({ UPSTREAM_TIMEOUT_SECONDS: "1", STREAM_IDLE_SECONDS: "5" }),
  ]);
});
afterAll(async () => {
  await rig?.stopAll();
});

const chats = () => rig.fake.requestsFor("chat");

describe("slow and silent upstream", () => {
  // "a first byte slower than Bun's 10 s idle default still succeeds" is tested once, with all
  // its assertions, in test/e2e/long-calls.test.ts ("an answer slower than Bun's 10 s idle timeout").

  test("past the upstream deadline → 504 and the fake sees the request aborted", async () => {
    rig.fake.clear();
    rig.fake.script("chat", { json: genericAnswer("too late"), delayMs: 4000 }, { times: 3 });
    const started = performance.now();
    const res = await post(gwShort, "/v1/chat/completions", chatBody("deadline"));
    const ms = performance.now() - started;
    expect(res.status).toBe(504);
    const body = await res.json();
    expect(body.error.type).toBe("timeout_error");
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(2500);
    await rig.fake.waitFor(() => chats()[0]?.abortedAt !== undefined, 1500);
    // A deadline is not a retryable failure: one attempt only.
    expect(chats()).toHaveLength(1);
  });

  test("a silent stream → an error event at the idle limit, and the upstream connection is closed", async () => {
    rig.fake.clear();
    rig.fake.script("chat", { sse: [ev(""), ev("half"), ev(" a")], gapMs: 20, end: "hang" });
    const res = await post(gw, "/v1/chat/completions", chatBody("silence", { stream: true }));
    expect(res.status).toBe(200);
    const r = await readSse(res, 6000);
    expect(r.broken).toBeUndefined();
    expect(r.events).not.toContain("[DONE]");
    const last = JSON.parse(r.events.at(-1)!);
    expect(last.error).toBeDefined();
    expect(last.error.type).toBe("timeout_error");
    const lastContent = r.events.findIndex((e) => e.includes('"content":" a"'));
    expect(lastContent).toBeGreaterThanOrEqual(0);
    const silence = r.times.at(-1)! - r.times[lastContent]!;
    expect(silence).toBeGreaterThanOrEqual(700); // STREAM_IDLE_SECONDS=0.8
    expect(silence).toBeLessThan(2500);
    // Keep-alive comments flowed meanwhile (KEEPALIVE_SECONDS=0.2), the client was not left in silence.
    expect(r.comments).toBeGreaterThanOrEqual(1);
    await rig.fake.waitFor(() => rig.fake.streams[0]?.closedAt !== undefined, 1000);
    expect(rig.fake.streams[0]!.clientAborted).toBe(true);
    expect(chats()).toHaveLength(1);
  });

  // OCI (or a proxy before it) sends an error's or a page's head and never the rest of its body.
  test.each([
    [429, "application/json", { "retry-after": "30" }, 429],
    [200, "text/html", {}, 502],
  ])(
    "a stream request answered %d %s whose body never ends → an answer by the deadline, the upstream closed",
    async (status, type, headers, answered) => {
      rig.fake.clear();
      rig.fake.script("chat", {
        sse: ['{"code":"TooManyRequests","message":"par'],
        status,
        end: "hang",
        headers: { "content-type": type, ...headers },
      });
      const started = performance.now();
      const res = await post(gwShort, "/v1/chat/completions", chatBody("head only", { stream: true }));
      const ms = performance.now() - started;
      expect(res.status).toBe(answered); // the status was known; its body never came
      expect(ms).toBeLessThan(2500); // UPSTREAM_TIMEOUT_SECONDS=1
      await res.text();
      await rig.fake.waitFor(() => rig.fake.streams[0]?.closedAt !== undefined, 1500);
      expect(rig.fake.streams[0]!.clientAborted).toBe(true);
      expect(chats()).toHaveLength(1);
    },
  );

  test("a stream that keeps talking outlives the idle limit: every event pushes the watchdog back", async () => {
    rig.fake.clear();
    // 8 events 300 ms apart: 2.4 s in all, three times STREAM_IDLE_SECONDS=0.8, never 0.8 s silent.
    const parts = ["", ...Array.from({ length: 7 }, (_, i) => `w${i} `)];
    rig.fake.script("chat", { sse: [...parts.map((p) => ev(p)), FINISH], gapMs: 300 });
    const res = await post(gw, "/v1/chat/completions", chatBody("trickle", { stream: true }));
    expect(res.status).toBe(200);
    const r = await readSse(res, 8000);
    expect(r.broken).toBeUndefined();
    expect(r.events.at(-1)).toBe("[DONE]");
    expect(r.events.some((e) => e.includes('"error"'))).toBe(false);
    expect(r.times.at(-1)! - r.times[0]!).toBeGreaterThanOrEqual(1600);
  });
});

describe("the retry policy", () => {
  const cases: Array<[number, string, number]> = [
    [500, "InternalServerError", 502],
    [502, "BadGateway", 502],
    [503, "ServiceUnavailable", 503],
  ];
  test.each(cases)(
    "OCI %d %s → %d after exactly 3 attempts, each signed, same retry token, fresh x-date",
    async (status, code, expected) => {
      rig.fake.clear();
      // One more failure than the policy allows: a 4th attempt would also fail and be counted.
      rig.fake.script("chat", { error: { status, code, message: `boom ${status}` } }, { times: 4 });
      const res = await post(gw, "/v1/chat/completions", chatBody(`retry ${status}`));
      expect(res.status).toBe(expected);
      const body = await res.json();
      expect(body.error.message).toContain(`boom ${status}`);
      await absenceWindow(); // a late extra attempt would show up here
      const attempts = chats();
      expect(attempts).toHaveLength(3);
      for (const a of attempts) {
        expect(a.signatureOk).toBe(true);
        expect(a.headers["opc-retry-token"]).toBeTruthy();
        const signedAt = Date.parse(a.headers["x-date"] ?? a.headers.date ?? "");
        expect(Number.isNaN(signedAt)).toBe(false);
        // Signed for this attempt: the date (second resolution) is the moment it went out.
        expect(a.receivedAt - signedAt).toBeGreaterThanOrEqual(-1000);
        expect(a.receivedAt - signedAt).toBeLessThan(2000);
      }
      expect(new Set(attempts.map((a) => a.headers["opc-retry-token"])).size).toBe(1);
      const dates = attempts.map((a) => Date.parse(a.headers["x-date"]!));
      expect(dates).toEqual([...dates].sort((x, y) => x - y));
    },
  );

  test("429 with Retry-After: 1 → waited out, retried with a new date, succeeds", async () => {
    rig.fake.clear();
    rig.fake.script("chat", {
      error: { status: 429, code: "TooManyRequests", message: "slow down" },
      headers: { "retry-after": "1" },
    });
    rig.fake.script("chat", { json: genericAnswer("second time lucky") });
    const started = performance.now();
    const res = await post(gw, "/v1/chat/completions", chatBody("throttled"));
    const ms = performance.now() - started;
    expect(res.status).toBe(200);
    expect((await res.json()).choices[0].message.content).toBe("second time lucky");
    expect(ms).toBeGreaterThanOrEqual(1000);
    const [a, b] = chats();
    expect(chats()).toHaveLength(2);
    expect(b!.receivedAt - a!.receivedAt).toBeGreaterThanOrEqual(950);
    expect(a!.signatureOk && b!.signatureOk).toBe(true);
    expect(b!.headers["opc-retry-token"]).toBe(a!.headers["opc-retry-token"]!);
    // A second apart: the retry was signed again, not replayed.
    expect(b!.headers["x-date"]).not.toBe(a!.headers["x-date"]!);
    expect(b!.headers.authorization).not.toBe(a!.headers.authorization!);
  });

  test("429 with Retry-After: 120 → passed through at once with retry-after: 120, one attempt", async () => {
    rig.fake.clear();
    rig.fake.script(
      "chat",
      {
        error: { status: 429, code: "TooManyRequests", message: "come back later" },
        headers: { "retry-after": "120" },
      },
      { times: 3 },
    );
    const started = performance.now();
    const res = await post(gw, "/v1/chat/completions", chatBody("throttled long"));
    expect(res.status).toBe(429);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(res.headers.get("retry-after")).toBe("120");
    expect((await res.json()).error.type).toBe("rate_limit_error");
    await absenceWindow(); // no retry follows the passed-through 429
    expect(chats()).toHaveLength(1);
  });

  test.each([
    [400, "InvalidParameter", 400],
    [404, "NotAuthorizedOrNotFound", 404],
  ])("OCI %d %s is never retried (→ %d)", async (status, code, expected) => {
    rig.fake.clear();
    rig.fake.script("chat", { error: { status, code, message: `no ${status}` } }, { times: 3 });
    const res = await post(gw, "/v1/chat/completions", chatBody(`no retry ${status}`));
    expect(res.status).toBe(expected);
    expect((await res.json()).error.message).toContain(`no ${status}`);
    await absenceWindow(); // a late extra attempt would show up here
    expect(chats()).toHaveLength(1);
  });
});

describe("answers the gateway cannot use", () => {
  test("200 with a malformed JSON body → 502", async () => {
    rig.fake.clear();
    rig.fake.script("chat", {
      raw: '{"modelId": "m", "chatResponse": {"apiFormat": "GENERIC", "choi',
      headers: { "content-type": "application/json" },
    });
    const res = await post(gw, "/v1/chat/completions", chatBody("truncated"));
    expect(res.status).toBe(502);
    const body = await res.json();
    expect(body.error.type).toBe("upstream_error");
    expect(body.error.code).toBe("bad_upstream_response");
    expect(chats()).toHaveLength(1);
  });

  test("200 with JSON of the wrong shape → 502", async () => {
    rig.fake.clear();
    rig.fake.script("chat", { json: { modelId: "m", chatResponse: null } });
    const res = await post(gw, "/v1/chat/completions", chatBody("wrong shape"));
    expect(res.status).toBe(502);
    expect((await res.json()).error.code).toBe("bad_upstream_response");
  });

  test("a stream request answered with plain JSON → 502, not a 200 stream", async () => {
    rig.fake.clear();
    rig.fake.script("chat", { json: genericAnswer("not a stream") });
    const res = await post(gw, "/v1/chat/completions", chatBody("want stream", { stream: true }));
    expect(res.status).toBe(502);
    expect((await res.json()).error.type).toBe("upstream_error");
  });

  test("invalid JSON mid-stream → a terminal error event, no [DONE]", async () => {
    rig.fake.clear();
    rig.fake.script("chat", {
      sse: [ev(""), ev("fine"), 'data: {"index": 0, "message": {oops\n\n', ev(" never"), FINISH],
      done: true,
    });
    const res = await post(gw, "/v1/chat/completions", chatBody("broken json", { stream: true }));
    expect(res.status).toBe(200);
    const r = await readSse(res, 5000);
    expect(r.events).not.toContain("[DONE]");
    const last = JSON.parse(r.events.at(-1)!);
    expect(last.error.type).toBe("upstream_error");
    expect(r.events.join("")).not.toContain("never");
  });

  test("connection reset after k events → a terminal error event, not a clean [DONE]; never retried", async () => {
    rig.fake.clear();
    rig.fake.script("chat", { sse: [ev(""), ev("one"), ev(" two"), ev(" three")], gapMs: 30, end: "error" });
    // Were the gateway to retry after the stream started, this second answer would be used.
    rig.fake.script("chat", { sse: [ev(""), ev("RETRIED"), FINISH], done: true });
    const res = await post(gw, "/v1/chat/completions", chatBody("reset", { stream: true }));
    expect(res.status).toBe(200);
    const r = await readSse(res, 5000);
    expect(r.events).not.toContain("[DONE]");
    const last = JSON.parse(r.events.at(-1)!);
    expect(last.error).toBeDefined();
    expect(last.error.type).toBe("upstream_error");
    const text = r.events
      .slice(0, -1)
      .map((e) => JSON.parse(e).choices?.[0]?.delta?.content ?? "")
      .join("");
    expect(text).toBe("one two three");
    await absenceWindow(); // a late retry would show up here
    expect(chats()).toHaveLength(1);
    expect(r.events.join("")).not.toContain("RETRIED");
  });

  test("direct /inference stream broken mid-way: one OCI request, seed error event, no [DONE]", async () => {
    rig.fake.clear();
    rig.fake.script("chat", { sse: [ev(""), ev("par"), ev("tial")], gapMs: 30, end: "error" });
    rig.fake.script("chat", { sse: [ev("RETRIED"), FINISH], done: true });
    const res = await post(gw, "/genai/llama/inference", { prompt: "x", stream: true });
    expect(res.status).toBe(200);
    const r = await readSse(res, 5000);
    expect(r.events).not.toContain("[DONE]");
    const last = JSON.parse(r.events.at(-1)!);
    expect(typeof last.error).toBe("string");
    await absenceWindow(); // a late retry would show up here
    expect(chats()).toHaveLength(1);
  });

  test("a 5 MB upstream error body → a bounded, clean 5xx", async () => {
    rig.fake.clear();
    const huge = "X".repeat(5 * 1024 * 1024);
    rig.fake.script(
      "chat",
      { raw: `<html>${huge}</html>`, status: 500, headers: { "content-type": "text/html" } },
      { times: 3 },
    );
    const res = await post(gw, "/v1/chat/completions", chatBody("huge error"));
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(text.length).toBeLessThan(4 * 1024); // its start, as much as a client reads in an error
    const body = JSON.parse(text);
    expect(body.error.type).toBe("upstream_error");
    expect(body.error.message).toContain("<html>XXX");
    expect(Object.keys(body)).toEqual(["error"]);

    rig.fake.clear();
    rig.fake.script("chat", { error: { status: 503, code: "ServiceUnavailable", message: huge } }, { times: 3 });
    const res2 = await post(gw, "/v1/chat/completions", chatBody("huge json error"));
    expect(res2.status).toBe(503);
    const text2 = await res2.text();
    expect(text2.length).toBeLessThan(4 * 1024); // a JSON cut at 64 KB is no longer OCI's JSON
    expect(JSON.parse(text2).error.type).toBe("service_unavailable");
    // And the gateway is fine afterwards.
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
  });
});

describe("an unreachable OCI", () => {
  test("a closed port → 502 fast (< 3 s with retries), at most 2 retries", async () => {
    const port = await closedPort();
    const g = await rig.gateway({ OCI_INFERENCE_ENDPOINT: `http://127.0.0.1:${port}`, LOG_LEVEL: "info" });
    const id = rid("unreachable");
    const started = performance.now();
    const res = await post(g, "/v1/chat/completions", chatBody("anyone?"), { "x-request-id": id });
    const ms = performance.now() - started;
    expect(res.status).toBe(502);
    const body = await res.json();
    expect(body.error.type).toBe("upstream_error");
    expect(body.error.code).toBe("upstream_unreachable");
    expect(ms).toBeLessThan(3000);
    // The access line is written when the request is over, after every retry line.
    const accessLines = () => logLines(g).filter((l) => l.msg === "request" && l.requestId === id);
    await waitUntil(() => accessLines().length > 0, 2000, "the access log line");
    await absenceWindow(); // a second access line or a late retry would show up here
    const retries = logLines(g).filter((l) => l.msg === "retrying OCI call" && l.requestId === id);
    expect(retries.length).toBeLessThanOrEqual(2);
    const access = accessLines();
    expect(access).toHaveLength(1);
    expect(Number(access[0]!.attempts ?? 1)).toBeLessThanOrEqual(3);
  });
});
