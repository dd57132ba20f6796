/**
 * Observability (issue 6): /metrics counts what the faults caused (retries, OCI errors by status,
 * time to first token, tokens), needs a key unless METRICS_PUBLIC=true, and every request —
 * success, stream, failure, refusal — leaves exactly one JSON log line.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { makeTestApp } from "../support/app";
import type { Gateway } from "../support/gateway";
import { absenceWindow, waitUntil } from "../support/wait";
import {
  chatBody,
  ev,
  eventually,
  FINISH,
  makeRig,
  metricValue,
  post,
  type Rig,
  readSse,
  requestLines,
  rid,
} from "./support";

const KEY = "sk-observe-0123456789";

let rig: Rig;
/** METRICS_PUBLIC=true, API_KEY set, LOG_LEVEL info. */
let gw: Gateway;

beforeAll(async () => {
  rig = await makeRig();
  gw = await rig.gateway({ API_KEY: KEY, METRICS_PUBLIC: "true", LOG_LEVEL: "info" });
});
afterAll(async () => {
  await rig?.stopAll();
});

const auth = { authorization: `Bearer ${KEY}` };
const metrics = async (g: Gateway, headers: Record<string, string> = {}) => {
  const res = await fetch(`${g.url}/metrics`, { headers });
  expect(res.status).toBe(200);
  return res.text();
};

describe("/metrics", () => {
  test("counts requests, the retries and OCI errors caused, TTFT of a stream and tokens", async () => {
    rig.fake.clear();
    const before = await metrics(gw);
    const retriesBefore = metricValue(before, "ocigenai_upstream_retries_total");
    const retries503Before = metricValue(before, "ocigenai_upstream_retries_total", { reason: "503" });
    const errors503Before = metricValue(before, "ocigenai_oci_errors_total", { status: "503" });
    const requestsBefore = metricValue(before, "ocigenai_requests_total");
    const ttftBefore = metricValue(before, "ocigenai_time_to_first_token_seconds_count", { alias: "llama" });

    // 1. A plain success.
    expect((await post(gw, "/v1/chat/completions", chatBody("one two three"), auth)).status).toBe(200);
    // 2. 503 on every attempt: 2 retries, then 503.
    rig.fake.script("chat", { error: { status: 503, code: "ServiceUnavailable", message: "busy" } }, { times: 3 });
    expect((await post(gw, "/v1/chat/completions", chatBody("busy"), auth)).status).toBe(503);
    // 3. 500 once then success: 1 retry.
    rig.fake.script("chat", { error: { status: 500, code: "InternalServerError", message: "hiccup" } });
    expect((await post(gw, "/v1/chat/completions", chatBody("hiccup"), auth)).status).toBe(200);
    // 4. A stream with usage.
    rig.fake.script("chat", {
      sse: [
        ev(""),
        ev("first"),
        ev(" token"),
        FINISH,
        { usage: { promptTokens: 11, completionTokens: 2, totalTokens: 13 }, pad: "a" },
      ],
      firstDelayMs: 100,
      gapMs: 20,
      done: true,
    });
    const s = await post(
      gw,
      "/v1/chat/completions",
      chatBody("stream me", { stream: true, stream_options: { include_usage: true } }),
      auth,
    );
    expect((await readSse(s)).events.at(-1)).toBe("[DONE]");
    // A stream's metrics (tokens, TTFT) are recorded when it closes, just after [DONE] was sent.
    let after = "";
    await waitUntil(async () => {
      after = await metrics(gw);
      return metricValue(after, "ocigenai_time_to_first_token_seconds_count", { alias: "llama" }) > ttftBefore;
    });

    expect(metricValue(after, "ocigenai_requests_total") - requestsBefore).toBeGreaterThanOrEqual(4);
    expect(metricValue(after, "ocigenai_requests_total", { status: "503" })).toBeGreaterThanOrEqual(1);
    expect(metricValue(after, "ocigenai_upstream_retries_total") - retriesBefore).toBe(3);
    expect(metricValue(after, "ocigenai_upstream_retries_total", { reason: "503" }) - retries503Before).toBe(2);
    expect(metricValue(after, "ocigenai_oci_errors_total", { status: "503" }) - errors503Before).toBeGreaterThanOrEqual(
      1,
    );
    expect(after).toMatch(/ocigenai_oci_errors_total\{[^}]*status="503"[^}]*\}/);
    expect(metricValue(after, "ocigenai_time_to_first_token_seconds_count", { alias: "llama" })).toBeGreaterThanOrEqual(
      1,
    );
    expect(metricValue(after, "ocigenai_time_to_first_token_seconds_sum", { alias: "llama" })).toBeGreaterThan(0.05);
    expect(metricValue(after, "ocigenai_tokens_total", { alias: "llama", kind: "prompt" })).toBeGreaterThanOrEqual(11);
    expect(metricValue(after, "ocigenai_tokens_total", { alias: "llama", kind: "completion" })).toBeGreaterThanOrEqual(
      2,
    );
  });

  // The auth decision on /metrics needs no socket: in process (app.handle).
  test("without METRICS_PUBLIC and with API_KEY set, /metrics needs the key", async () => {
    const { call } = makeTestApp({ env: { API_KEY: KEY } });
    const anon = await call("/metrics");
    expect(anon.status).toBe(401);
    expect(anon.headers.get("www-authenticate")).toBe("Bearer");
    expect((await call("/metrics", { headers: { authorization: "Bearer nope" } })).status).toBe(401);
    const withKey = await call("/metrics", { headers: auth });
    expect(withKey.status).toBe(200);
    expect(await withKey.text()).toContain("ocigenai_requests_total");
    expect((await call("/metrics", { headers: { "x-api-key": KEY } })).status).toBe(200);
  });
});

describe("one JSON log line per request", () => {
  test("success, stream, retried failure, OCI refusal, bad JSON, 401, 404, 413 and a client that left: exactly one line each", async () => {
    rig.fake.clear();
    const ids: Record<string, { id: string; status: number; attempts?: number; stream?: boolean }> = {};
    const send = async (
      name: string,
      path: string,
      body: unknown,
      status: number,
      headers: Record<string, string> = auth,
    ) => {
      const id = rid(name);
      const res = await post(gw, path, body, { ...headers, "x-request-id": id });
      expect({ name, status: res.status }).toEqual({ name, status });
      expect(res.headers.get("x-request-id")).toBe(id);
      return { id, res };
    };

    ids.ok = { id: (await send("ok", "/v1/chat/completions", chatBody("hello"), 200)).id, status: 200 };

    rig.fake.script("chat", { sse: [ev(""), ev("a"), ev(" b"), FINISH], gapMs: 30, done: true });
    const st = await send("stream", "/v1/chat/completions", chatBody("s", { stream: true }), 200);
    await readSse(st.res);
    ids.stream = { id: st.id, status: 200, stream: true };

    rig.fake.script("chat", { error: { status: 502, code: "BadGateway", message: "upstream down" } }, { times: 3 });
    ids.retried = {
      id: (await send("retried", "/v1/chat/completions", chatBody("r"), 502)).id,
      status: 502,
      attempts: 3,
    };

    rig.fake.script("chat", {
      error: { status: 429, code: "TooManyRequests", message: "slow" },
      headers: { "retry-after": "0" },
    });
    ids.retriedOk = {
      id: (await send("retried-ok", "/genai/llama/inference", { prompt: "x" }, 200)).id,
      status: 200,
      attempts: 2,
    };

    rig.fake.script("chat", { error: { status: 400, code: "InvalidParameter", message: "no" } });
    ids.refused = { id: (await send("refused", "/v1/chat/completions", chatBody("no"), 400)).id, status: 400 };

    ids.badJson = { id: (await send("bad-json", "/v1/chat/completions", "{nope", 400)).id, status: 400 };
    ids.unauth = {
      id: (await send("unauth", "/v1/chat/completions", chatBody("x"), 401, { authorization: "Bearer wrong" })).id,
      status: 401,
    };
    ids.noRoute = { id: (await send("no-route", "/v1/nothing-here", {}, 404)).id, status: 404 };
    ids.unknownAlias = {
      id: (await send("unknown-alias", "/v1/chat/completions", chatBody("x", { model: "ghost" }), 404)).id,
      status: 404,
    };
    ids.tooBig = {
      id: (await send("too-big", "/v1/chat/completions", chatBody("x".repeat(11 * 1024 * 1024)), 413)).id,
      status: 413,
    };

    // A stream that breaks after its 200 went out: logged with its error event's status.
    rig.fake.script("chat", { sse: [ev("half"), "data: {not json\n\n"], done: true });
    const broken = await send("broken-stream", "/v1/chat/completions", chatBody("b", { stream: true }), 200);
    await readSse(broken.res);
    ids.brokenStream = { id: broken.id, status: 502, stream: true };

    // A client that leaves mid-stream: still one line, once the stream is over.
    rig.fake.script("chat", { sse: Array.from({ length: 50 }, (_, i) => ev(`w${i} `)), gapMs: 50, end: "hang" });
    const leftId = rid("left");
    const ctrl = new AbortController();
    const left = await post(
      gw,
      "/v1/chat/completions",
      chatBody("leave", { stream: true }),
      { ...auth, "x-request-id": leftId },
      ctrl.signal,
    );
    const reader = left.body!.getReader();
    await reader.read();
    ctrl.abort();
    await reader.cancel().catch(() => {});

    const all = [...Object.values(ids).map((x) => x.id), leftId];
    expect(await eventually(() => all.every((id) => requestLines(gw, id).length >= 1), 3000)).toBe(true);
    await absenceWindow(); // a duplicate line would show up by now

    const counts = Object.fromEntries(all.map((id) => [id, requestLines(gw, id).length]));
    expect(counts).toEqual(Object.fromEntries(all.map((id) => [id, 1])));
    // The client left: 499, as for a request cut before its answer, though its 200 was sent.
    expect(requestLines(gw, leftId)[0]!.status).toBe(499);

    for (const [name, want] of Object.entries(ids)) {
      const line = requestLines(gw, want.id)[0]!;
      expect({ name, status: line.status }).toEqual({ name, status: want.status });
      expect(typeof line.route).toBe("string");
      expect(typeof line.durationMs).toBe("number");
      expect(typeof line.time).toBe("string");
      if (want.attempts) expect({ name, attempts: line.attempts }).toEqual({ name, attempts: want.attempts });
      else expect({ name, attempts: line.attempts }).toEqual({ name, attempts: undefined });
    }
    expect(requestLines(gw, ids.ok!.id)[0]!.alias).toBe("llama");
    expect(requestLines(gw, ids.ok!.id)[0]!.route).toBe("/v1/chat/completions");
    expect(typeof requestLines(gw, ids.ok!.id)[0]!.upstreamMs).toBe("number");
    expect(typeof requestLines(gw, ids.stream!.id)[0]!.ttftMs).toBe("number");
    expect(requestLines(gw, ids.ok!.id)[0]!.keyId).toMatch(/^[0-9a-f]{6,}$/);
  }, 20_000);
});
