/**
 * How the transport sends to OCI: our socket client (socket-http.ts) and node:http (nodeHttpFetch)
 * answer as fetch does, the first with no limit on calls at once; the sender picks the socket
 * client for inference, node:http for bodies handed on, fetch through a proxy (upstream-sender).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { UpstreamError } from "../../src/errors/upstream-error";
import { loadNodeHttpFetch } from "../../src/oci/node-http-fetch";
import { proxyConfigured, proxyFor } from "../../src/oci/proxy-env";
import { createSignedHttp } from "../../src/oci/signed-http";
import { createSocketHttp } from "../../src/oci/socket-http";
import { createUpstreamSender } from "../../src/oci/upstream-sender";
import { unsignedHttp } from "../support/unsigned-http";

let server: http.Server;
let base: string;
let connections = 0;
let flaky = 0;
let inFlight = 0;
let peak = 0;
const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = [];

const handler: http.RequestListener = async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
  const path = req.url!.split("?")[0];
  if (path === "/json") {
    res.writeHead(201, { "content-type": "application/json", "opc-request-id": "rid-1" });
    res.end(JSON.stringify({ ok: true }));
  } else if (path === "/two-cookies") {
    res.setHeader("set-cookie", ["a=1", "b=2"]);
    res.end("x");
  } else if (path === "/empty") {
    res.writeHead(204);
    res.end();
  } else if (path === "/slow-stream") {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write("data: first\n\n");
    setTimeout(() => res.end("data: second\n\n"), 400);
  } else if (path === "/sse") {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write('data: {"a":1}\n\n');
    setTimeout(() => res.end('data: {"a":2}\n\n'), 100);
  } else if (path === "/flaky") {
    flaky++;
    res.writeHead(flaky % 2 === 1 ? 503 : 200, { "content-type": "application/json", "retry-after": "0" });
    res.end(JSON.stringify({ code: "Unavailable", message: "try again", ok: flaky % 2 === 0 }));
  } else if (path === "/big-error") {
    // Larger than the error text kept (64 KB), written at once: it comes with the answer's head.
    res.writeHead(400, { "content-type": "text/html", "opc-request-id": "rid-big" });
    res.end(`<html>${"X".repeat(200 * 1024)}</html>`);
  } else if (path === "/hang") {
    // never answers
  } else if (path === "/cut") {
    res.writeHead(200, { "content-length": "1000" });
    res.write("only part");
    setTimeout(() => res.socket?.destroy(), 50);
  } else if (path === "/hold") {
    inFlight++;
    peak = Math.max(peak, inFlight);
    setTimeout(() => {
      inFlight--;
      res.end("held");
    }, 400);
  } else {
    res.writeHead(404);
    res.end("no");
  }
};

beforeAll(async () => {
  server = http.createServer(handler);
  server.on("connection", () => connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const nodeHttpFetch = await loadNodeHttpFetch();
const sockets = createSocketHttp();
type Send = (url: string, i: Parameters<typeof nodeHttpFetch>[1]) => Promise<Response>;
const clients: Array<[string, Send]> = [
  ["socket-http", (url, i) => sockets.request(new URL(url), i)],
  ["nodeHttpFetch", (url, i) => nodeHttpFetch(new URL(url), i)],
];
const init = (method = "GET", body?: string | Uint8Array, signal = new AbortController().signal) => ({
  method,
  headers: new Headers({ "x-probe": "p", "content-type": "application/json" }),
  body,
  signal,
});

for (const [name, send] of clients)
  describe(name, () => {
    test("status, headers, body and the request as sent (content-length filled in)", async () => {
      seen.length = 0;
      const res = await send(`${base}/json?q=1`, init("POST", new TextEncoder().encode('{"a":"é"}')));
      expect(res.status).toBe(201);
      expect(res.ok).toBe(true);
      expect(res.headers.get("opc-request-id")).toBe("rid-1");
      expect(await res.json()).toEqual({ ok: true });
      const [req] = seen;
      expect(req).toMatchObject({ method: "POST", url: "/json?q=1", body: '{"a":"é"}' });
      expect(req!.headers["content-length"]).toBe(String(Buffer.byteLength('{"a":"é"}')));
      expect(req!.headers["x-probe"]).toBe("p");
      expect(req!.headers["accept-encoding"]).toBeUndefined();
      const cookies = await send(`${base}/two-cookies`, init());
      expect(cookies.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    });

    test("204 has no body; a 404 is an answer, not an error", async () => {
      const empty = await send(`${base}/empty`, init("DELETE"));
      expect(empty.status).toBe(204);
      expect(empty.body).toBeNull();
      const missing = await send(`${base}/nope`, init());
      expect(missing.status).toBe(404);
      expect(await missing.text()).toBe("no");
    });

    test("a stream's first bytes arrive before the answer ends", async () => {
      const t0 = performance.now();
      const res = await send(`${base}/slow-stream`, init());
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toBe("data: first\n\n");
      expect(performance.now() - t0).toBeLessThan(300);
      let rest = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        rest += new TextDecoder().decode(value);
      }
      expect(rest).toBe("data: second\n\n");
    });

    test("an abort before the answer rejects with the abort's reason", async () => {
      const ctrl = new AbortController();
      const why = new Error("deadline");
      setTimeout(() => ctrl.abort(why), 50);
      await expect(send(`${base}/hang`, init("GET", undefined, ctrl.signal))).rejects.toBe(why);
      const already = new AbortController();
      already.abort(why);
      await expect(send(`${base}/json`, init("GET", undefined, already.signal))).rejects.toBe(why);
    });

    test("an abort while reading, and a connection cut mid-answer, fail the read", async () => {
      const ctrl = new AbortController();
      const res = await send(`${base}/slow-stream`, init("GET", undefined, ctrl.signal));
      const reader = res.body!.getReader();
      await reader.read();
      ctrl.abort(new Error("client went away"));
      await expect(reader.read()).rejects.toBeDefined();
      const cut = await send(`${base}/cut`, init());
      await expect(cut.text()).rejects.toBeDefined();
    });

    test("nothing listening: the error carries the system's code", async () => {
      const probe = http.createServer();
      await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
      const port = (probe.address() as AddressInfo).port;
      await new Promise<void>((r) => probe.close(() => r()));
      const e = (await send(`http://127.0.0.1:${port}/`, init()).catch((x) => x)) as Error & { code?: string };
      expect(e).toBeInstanceOf(Error);
      expect(e.code).toBe("ECONNREFUSED");
    });

    test("more than 256 requests in flight at once, with no variable set", async () => {
      peak = 0;
      const answers = await Promise.all(
        Array.from({ length: 300 }, () => send(`${base}/hold`, init()).then((r) => r.text())),
      );
      expect(answers.every((a) => a === "held")).toBe(true);
      expect(peak).toBe(300);
    });

    test("sequential calls reuse one kept-alive connection", async () => {
      // Settle the pool the previous tests left, then count new connections only.
      await Bun.sleep(50);
      const before = connections;
      for (let i = 0; i < 20; i++) await (await send(`${base}/json`, init("POST", "{}"))).text();
      expect(connections - before).toBeLessThanOrEqual(1);
    });
  });

describe("createUpstreamSender", () => {
  test("through HTTP_PROXY the request goes via the proxy (fetch's own proxy support), unless NO_PROXY", async () => {
    const proxied: string[] = [];
    const proxy = http.createServer(async (req, res) => {
      proxied.push(req.url!);
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const upstream = await fetch(req.url!, {
        method: req.method,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      });
      res.writeHead(upstream.status, { "x-via": "test-proxy" });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const viaProxy = await createUpstreamSender({ HTTP_PROXY: proxyUrl }).send(`${base}/json`, init());
      expect(viaProxy.headers.get("x-via")).toBe("test-proxy");
      expect(await viaProxy.json()).toEqual({ ok: true });
      expect(proxied).toEqual([`${base}/json`]);
      const direct = await createUpstreamSender({ HTTP_PROXY: proxyUrl, NO_PROXY: "127.0.0.1" }).send(
        `${base}/json`,
        init(),
      );
      expect(direct.headers.get("x-via")).toBeNull();
      expect(proxied.length).toBe(1);
    } finally {
      proxy.closeAllConnections();
      proxy.close();
    }
  });
});

describe("createUpstreamSender routes", () => {
  // node:http announces keep-alive in a header; the socket client (HTTP/1.1's default) does not.
  const viaNodeHttp = (i: number) => seen[i]!.headers.connection === "keep-alive";

  test("inference calls go through the socket client, bodies handed on through node:http", async () => {
    const sender = createUpstreamSender({});
    seen.length = 0;
    expect(await (await sender.send(`${base}/json`, init("POST", "{}"))).json()).toEqual({ ok: true });
    expect(await (await sender.send(`${base}/json`, init(), true)).json()).toEqual({ ok: true });
    expect([0, 1].map(viaNodeHttp)).toEqual([false, true]);
    expect(seen.every((r) => r.headers["accept-encoding"] === undefined)).toBe(true);
  });

  test("through the transport: answers, OCI errors, retries, streams read, dropped or half read leave no connection busy", async () => {
    // A server of its own, so the other tests' kept-alive connections are not counted.
    const own = http.createServer(handler);
    await new Promise<void>((r) => own.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(own.address() as AddressInfo).port}`;
    const { sockets, signed } = unsignedHttp(5_000);
    const opts = () => ({ requestId: "r", signal: new AbortController().signal });
    await signed.exchange("POST", `${base}/json`, "{}", opts());
    const before = flaky;
    expect((await signed.exchange("POST", `${base}/flaky`, "{}", opts())).body).toEqual({
      code: "Unavailable",
      message: "try again",
      ok: true,
    });
    expect(flaky - before).toBe(2); // a 503, retried
    await expect(signed.exchange("GET", `${base}/nope`, undefined, opts())).rejects.toBeDefined();
    // An error body over the kept size: read to 64 KB, the rest dropped; not JSON, its first
    // 2,048 characters are OCI's words for the client.
    for (const call of [
      () => signed.exchange("POST", `${base}/big-error`, "{}", opts()),
      () => signed.stream(`${base}/big-error`, "{}", opts()),
    ]) {
      const e = (await call().catch((x: unknown) => x)) as UpstreamError;
      expect(e).toBeInstanceOf(UpstreamError);
      expect(e.init).toMatchObject({ status: 400, opcRequestId: "rid-big" });
      expect(e.message.startsWith("<html>XXXX")).toBe(true);
      expect(e.message).toBe(`<html>${"X".repeat(2048 - 6)}…`);
    }
    await expect(signed.stream(`${base}/json`, "{}", opts())).rejects.toBeDefined(); // not an event stream
    const read = await signed.stream(`${base}/sse`, "{}", opts());
    const got: unknown[] = [];
    for await (const ev of read.events) got.push(ev);
    expect(got).toEqual([{ a: 1 }, { a: 2 }]);
    const dropped = await signed.stream(`${base}/sse`, "{}", opts());
    dropped.cancel(); // never read
    const half = await signed.stream(`${base}/sse`, "{}", opts());
    for await (const _ of half.events) break; // read one event, then stop
    await Bun.sleep(50);
    // The cut streams closed their connections; nothing else is open or busy.
    const open = () => new Promise<number>((r) => own.getConnections((_e, n) => r(n)));
    expect(await open()).toBe(sockets.idleCount());
    // A whole answer goes back to the pool and is the one connection left.
    await signed.exchange("POST", `${base}/json`, "{}", opts());
    await Bun.sleep(20);
    expect(sockets.idleCount()).toBe(1);
    expect(await open()).toBe(1);
    sockets.closeIdle();
    own.close();
  });
});

describe("JSON bodies given as values (written into lent buffers)", () => {
  test("each request carries JSON.stringify's bytes, the ones its signature digests: concurrent, retried, streamed", async () => {
    const own = http.createServer(handler);
    await new Promise<void>((r) => own.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(own.address() as AddressInfo).port}`;
    const digests = new Map<string, string>();
    const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
    const sockets = createSocketHttp();
    const signed = createSignedHttp({
      // What a signer digests is what OCI checks against the body it receives (x-content-sha256).
      signer: {
        engine: "test",
        async sign(_m, _u, headers, body) {
          if (body) digests.set(headers.get("opc-request-id")!, sha(body));
        },
      },
      upstreamTimeoutMs: 5_000,
      streamIdleMs: 5_000,
      sender: createUpstreamSender({}, sockets),
    });
    const opts = (id: string) => ({ requestId: id, signal: new AbortController().signal });
    const value = (i: number) => ({
      i,
      text: `${i} ${'é😀 "quoted" '.repeat(i * 700)}`,
      tools: i % 3 ? undefined : [{ name: "t", parameters: { type: "object" } }],
    });
    seen.length = 0;
    // Sizes from a few bytes to ~500 KB at once, more calls than the pool has buffers (32): buffers
    // are lent, grown and given back meanwhile, and the calls past them serialize the plain way.
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => signed.exchange("POST", `${base}/json`, { json: value(i) }, opts(`r${i}`))),
    );
    await signed.exchange("POST", `${base}/json`, { json: value(1) }, opts("again"));
    const before = flaky;
    await signed.exchange("POST", `${base}/flaky`, { json: value(5) }, opts("flaky"));
    expect(flaky - before).toBe(2);
    const events: unknown[] = [];
    for await (const ev of (await signed.stream(`${base}/sse`, { json: value(7) }, opts("stream"))).events)
      events.push(ev);
    expect(events).toEqual([{ a: 1 }, { a: 2 }]);
    expect(seen.length).toBe(40 + 1 + 2 + 1);
    for (const r of seen) {
      const id = r.headers["opc-request-id"] as string;
      const i = id === "again" ? 1 : id === "flaky" ? 5 : id === "stream" ? 7 : Number(id.slice(1));
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.body).toBe(JSON.stringify(value(i)));
      expect(sha(r.body)).toBe(digests.get(id)!);
    }
    sockets.closeIdle();
    own.close();
  });
});

describe("proxyFor", () => {
  const u = (s: string) => new URL(s);
  test("picks the variable by scheme, either case", () => {
    expect(proxyFor(u("https://inference.oci.example/x"), { HTTPS_PROXY: "http://p:3128" })).toBe("http://p:3128");
    expect(proxyFor(u("https://a.example/"), { https_proxy: "http://lower:1" })).toBe("http://lower:1");
    expect(proxyFor(u("https://a.example/"), { HTTP_PROXY: "http://p:1" })).toBe("http://p:1");
    expect(proxyFor(u("http://a.example/"), { HTTPS_PROXY: "http://p:1" })).toBeUndefined();
    expect(proxyFor(u("http://a.example/"), {})).toBeUndefined();
    expect(proxyFor(u("http://a.example/"), { HTTP_PROXY: "  " })).toBeUndefined();
  });
  test("NO_PROXY: names and their subdomains, leading dots and wildcards, ports, *", () => {
    const env = (no: string) => ({ HTTPS_PROXY: "http://p:1", NO_PROXY: no });
    const target = u("https://inference.generativeai.us-chicago-1.oci.oraclecloud.com/20231130/actions/chat");
    expect(proxyFor(target, env("oraclecloud.com"))).toBeUndefined();
    expect(proxyFor(target, env(".oraclecloud.com"))).toBeUndefined();
    expect(proxyFor(target, env("*.oraclecloud.com"))).toBeUndefined();
    expect(proxyFor(target, env("localhost, *"))).toBeUndefined();
    expect(proxyFor(target, env("oraclecloud.com:443"))).toBeUndefined();
    expect(proxyFor(target, env("oraclecloud.com:8443"))).toBe("http://p:1");
    expect(proxyFor(target, env("cloud.com"))).toBe("http://p:1");
    expect(proxyFor(target, env("example.com,localhost"))).toBe("http://p:1");
  });
  test("proxyConfigured", () => {
    expect(proxyConfigured({})).toBe(false);
    expect(proxyConfigured({ https_proxy: "http://p:1" })).toBe(true);
  });
});
