/**
 * Remote image URLs (CONTRACT §7): only public addresses, redirects re-checked, 20 MB / 10 s.
 * All traffic stays on 127.0.0.1 and no real DNS name is ever resolved: every test injects
 * `resolve`, and "allowed" targets are local servers reached through ALLOW_PRIVATE_IMAGE_HOSTS.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { ApiError } from "../../src/errors/api-error";
import {
  type FetchRemoteImageOptions,
  fetchRemoteImage,
  normalizeHost,
  sniffImageType,
} from "../../src/images/fetch-remote-image";
import { addressCategory, isPublicAddress } from "../../src/images/ip-ranges";

describe("isPublicAddress", () => {
  const publicAddresses = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "172.15.255.255",
    "172.32.0.1",
    "100.63.255.255",
    "100.128.0.1",
    "192.167.255.255",
    "192.169.0.1",
    "198.17.255.255",
    "198.20.0.1",
    "223.255.255.255",
    "2606:4700:4700::1111",
    "2001:4860:4860::8888",
    "2a00:1450:4001:82b::200e",
    "2A00:1450:4001:082B:0000:0000:0000:200E",
    "::ffff:8.8.8.8",
    "::ffff:808:808",
    "64:ff9b::8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
  ];
  test.each(publicAddresses)("%s is public", (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });

  const refused: [string, string][] = [
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["::1", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["::", "unspecified"],
    ["10.0.0.5", "private"],
    ["10.255.255.255", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "metadata"],
    ["169.254.0.1", "link-local"],
    ["fe80::1", "link-local"],
    ["febf:ffff::1", "link-local"],
    ["100.64.0.1", "shared (CGNAT)"],
    ["100.127.255.255", "shared (CGNAT)"],
    ["fc00::1", "unique-local"],
    ["fd12:3456:789a::1", "unique-local"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["ff02::1", "multicast"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "broadcast"],
    ["198.18.0.1", "benchmarking"],
    ["198.19.255.255", "benchmarking"],
    ["192.0.2.1", "documentation"],
    ["198.51.100.7", "documentation"],
    ["203.0.113.9", "documentation"],
    ["2001:db8::1", "documentation"],
    ["192.0.0.8", "IETF protocol"],
    ["fec0::1", "site-local"],
    ["feff::1", "site-local"],
    // IPv4-mapped: the packets go to the IPv4 address inside.
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["0:0:0:0:0:ffff:7f00:0001", "loopback"],
    ["::ffff:169.254.169.254", "metadata"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:0:10.0.0.1", "private"],
    ["::127.0.0.1", "loopback"],
    // NAT64 well-known prefix embedding a private IPv4 address.
    ["64:ff9b::10.0.0.5", "private"],
    ["64:ff9b::a00:5", "private"],
    ["64:ff9b::7f00:1", "loopback"],
    ["64:ff9b::a9fe:a9fe", "metadata"],
    ["64:ff9b:1::808:808", "private"],
    // 6to4 embedding a private IPv4 address.
    ["2002:a00:5::1", "private"],
    ["2002:7f00:1::", "loopback"],
    ["2002:a9fe:a9fe::1", "metadata"],
    ["2002:c0a8:101::1", "private"],
    // Zone ids only exist for link-scoped addresses.
    ["fe80::1%eth0", "zone-scoped"],
    ["2606:4700::1%eth0", "zone-scoped"],
    // Outside global unicast, or protocol ranges that hide an IPv4 address (Teredo).
    ["2001::1", "IETF protocol"],
    ["3fff::1", "documentation"],
    ["100::1", "reserved"],
    ["4000::1", "reserved"],
  ];
  test.each(refused)("%s is not public (%s)", (ip, category) => {
    expect(isPublicAddress(ip)).toBe(false);
    expect(addressCategory(ip)).toBe(category as ReturnType<typeof addressCategory>);
  });

  const unparseable = [
    "",
    "localhost",
    "1.2.3",
    "1.2.3.4.5",
    "01.2.3.4",
    "256.1.1.1",
    "0x7f.0.0.1",
    "1:2:3:4:5:6:7:8:9",
    "1::2::3",
    ":::",
    "gggg::1",
    "12345::1",
    "::ffff:1.2.3",
  ];
  test.each(unparseable)("%p cannot be parsed, so it is refused", (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
    expect(addressCategory(ip)).toBe("unparseable");
  });
});

describe("sniffImageType", () => {
  test.each([
    ["image/png", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]],
    ["image/jpeg", [0xff, 0xd8, 0xff, 0xe0, 0, 0x10]],
    ["image/gif", [...Buffer.from("GIF89a"), 1, 0]],
    ["image/gif", [...Buffer.from("GIF87a"), 1, 0]],
    ["image/webp", [...Buffer.from("RIFF"), 0x24, 0, 0, 0, ...Buffer.from("WEBPVP8 ")]],
  ])("recognizes %s", (mime, bytes) => {
    expect(sniffImageType(new Uint8Array(bytes as number[]))).toBe(mime as string);
  });
  test.each([
    ["html", Buffer.from("<html>")],
    ["RIFF that is not WebP", Buffer.from("RIFF\0\0\0\0WAVEfmt ")],
    ["empty", Buffer.alloc(0)],
  ])("does not take %s for an image", (_, bytes) => {
    expect(sniffImageType(bytes)).toBeNull();
  });
});

test("normalizeHost: case, brackets, trailing dot and address spelling do not matter", () => {
  expect(normalizeHost("Images.Test.")).toBe("images.test");
  expect(normalizeHost("[::1]")).toBe(normalizeHost("0:0:0:0:0:0:0:1"));
  expect(normalizeHost("::FFFF:7F00:1")).toBe(normalizeHost("::ffff:127.0.0.1"));
});

// ---------------------------------------------------------------------------------------------
// fetchRemoteImage against local servers on 127.0.0.1

const PNG = new Uint8Array([
  0x89,
  0x50,
  0x4e,
  0x47,
  0x0d,
  0x0a,
  0x1a,
  0x0a,
  ...Array.from({ length: 56 }, (_, i) => i),
]);
const PARAM = "messages[0].content[1].image_url.url";

interface Target {
  server: ReturnType<typeof Bun.serve>;
  port: number;
  requests: { path: string; host: string | null }[];
  /** Streams the server started and the client cut before they ended. */
  cancelled: string[];
}

const targets: Target[] = [];
afterAll(() => {
  for (const t of targets) t.server.stop(true);
});

function serve(handler: (req: Request, t: Target) => Response | Promise<Response>): Target {
  const t = { requests: [], cancelled: [] } as unknown as Target;
  t.server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      t.requests.push({ path: new URL(req.url).pathname, host: req.headers.get("host") });
      return handler(req, t);
    },
  });
  t.port = t.server.port!;
  targets.push(t);
  return t;
}

/** A body that never ends on its own: a chunk every few milliseconds until the client cuts it. */
function endless(t: Target, name: string, delayMs = 2, chunkBytes = 1024): ReadableStream<Uint8Array> {
  let first = true;
  return new ReadableStream({
    async pull(c) {
      if (!first && delayMs > 0) await Bun.sleep(delayMs);
      c.enqueue(first ? PNG : new Uint8Array(chunkBytes));
      first = false;
    },
    cancel() {
      t.cancelled.push(name);
    },
  });
}

/** Resolves every test name to loopback; any other name fails as NXDOMAIN would. */
const stubResolve = (table: Record<string, string[]>) => async (host: string) => {
  const found = table[host];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  return found;
};

const main = serve((req, t) => {
  const path = new URL(req.url).pathname;
  const hop = /^\/hop\/(\d+)$/.exec(path);
  if (hop) {
    const n = Number(hop[1]);
    return n === 0
      ? new Response(PNG, { headers: { "content-type": "image/png" } })
      : Response.redirect(`/hop/${n - 1}`, 302);
  }
  switch (path) {
    case "/cat.png":
      return new Response(PNG, { headers: { "content-type": "image/png" } });
    case "/octet":
      return new Response(PNG, { headers: { "content-type": "application/octet-stream" } });
    case "/untyped":
      return new Response(new Blob([PNG]));
    case "/gif-untyped":
      return new Response(new Blob([Buffer.from("GIF89a\x01\x00\x01\x00")]));
    case "/html":
      return new Response("<html>hello</html>", { headers: { "content-type": "text/html; charset=utf-8" } });
    case "/text-octet":
      return new Response("just text", { headers: { "content-type": "application/octet-stream" } });
    case "/missing":
      return new Response("no", { status: 404 });
    case "/empty":
      return new Response(null, { headers: { "content-type": "image/png" } });
    case "/big-declared":
      return new Response(new Uint8Array(5000).fill(7), { headers: { "content-type": "image/png" } });
    case "/big-chunked":
      return new Response(endless(t, "big-chunked"), { headers: { "content-type": "image/png" } });
    case "/huge-chunked":
      return new Response(endless(t, "huge-chunked", 0, 256 * 1024), { headers: { "content-type": "image/png" } });
    case "/slow-body":
      return new Response(endless(t, "slow-body", 100), { headers: { "content-type": "image/png" } });
    case "/slow-headers":
      return Bun.sleep(2_000).then(() => new Response(PNG, { headers: { "content-type": "image/png" } }));
    case "/to-internal":
      return Response.redirect(`http://internal.test:${internal.port}/cat.png`, 302);
    case "/to-loopback-literal":
      return Response.redirect(`http://127.0.0.1:${internal.port}/cat.png`, 301);
    case "/to-metadata":
      return Response.redirect(`http://169.254.169.254/latest/meta-data/`, 302);
    case "/to-ftp":
      return Response.redirect(`ftp://images.test/cat.png`, 302);
    case "/to-allowed":
      return Response.redirect(`http://other.test:${internal.port}/cat.png`, 307);
    default:
      return new Response("not found", { status: 404 });
  }
});
const internal = serve(() => new Response(PNG, { headers: { "content-type": "image/png" } }));

afterEach(() => {
  main.requests.length = 0;
  main.cancelled.length = 0;
  internal.requests.length = 0;
});

const resolve = stubResolve({
  "images.test": ["127.0.0.1"],
  "other.test": ["127.0.0.1"],
  "internal.test": ["127.0.0.1"],
  "mixed.test": ["93.184.216.34", "10.0.0.5"],
  "metadata.test": ["169.254.169.254"],
  "mapped.test": ["::ffff:127.0.0.1"],
});

const opts = (over: Partial<FetchRemoteImageOptions> = {}): FetchRemoteImageOptions => ({
  allowHosts: new Set(["images.test"]),
  resolve,
  param: PARAM,
  timeoutMs: 3_000,
  ...over,
});
const at = (path: string, host = "images.test") => `http://${host}:${main.port}${path}`;

async function refusal(url: string, o: FetchRemoteImageOptions): Promise<ApiError> {
  try {
    await fetchRemoteImage(url, o);
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    const err = e as ApiError;
    expect(err.status).toBe(400);
    expect(err.type).toBe("invalid_request_error");
    expect(err.param).toBe(PARAM);
    return err;
  }
  throw new Error(`expected ${url} to be refused`);
}

/** Waits (bounded) for the server to notice that the client cut the body off. */
async function waitForCut(t: Target, name: string): Promise<void> {
  for (let i = 0; i < 100 && !t.cancelled.includes(name); i++) await Bun.sleep(10);
  expect(t.cancelled).toContain(name);
}

describe("fetchRemoteImage: addresses", () => {
  test("a host that resolves to loopback is refused before any request is sent", async () => {
    const err = await refusal(
      at("/cat.png", "sneaky.test"),
      opts({ resolve: stubResolve({ "sneaky.test": ["127.0.0.1"] }) }),
    );
    expect(err.message).toContain("'sneaky.test'");
    expect(err.message).toContain("'sneaky.test' is not a public internet host");
    // What a name resolves to is the network's business: neither the address nor its kind is told.
    expect(err.message).not.toContain("127.0.0.1");
    expect(err.message).not.toContain("loopback");
    expect(err.message).toContain("ALLOW_PRIVATE_IMAGE_HOSTS");
    expect(main.requests).toHaveLength(0);
  });

  test("one private address among public ones is enough to refuse", async () => {
    const err = await refusal(at("/cat.png", "mixed.test"), opts());
    expect(err.message).toContain("'mixed.test' is not a public internet host");
    expect(err.message).not.toContain("10.0.0.5");
    expect(err.message).not.toContain("private");
  });

  test("an IPv4-mapped loopback address is refused", async () => {
    const err = await refusal(at("/cat.png", "mapped.test"), opts());
    expect(err.message).toContain("'mapped.test' is not a public internet host");
    expect(err.message).not.toContain("127.0.0.1");
    expect(main.requests).toHaveLength(0);
  });

  test("the metadata address is refused, as a literal and by name", async () => {
    const literal = await refusal("http://169.254.169.254/latest/meta-data/", opts());
    expect(literal.message).toContain("'169.254.169.254' is a metadata address");
    const named = await refusal("http://metadata.test/latest/meta-data/", opts());
    expect(named.message).toContain("'metadata.test' is not a public internet host");
    expect(named.message).not.toContain("169.254");
  });

  test("IPv6 and IPv4 loopback literals are refused without resolving", async () => {
    const resolveSpy = async (host: string): Promise<string[]> => {
      throw new Error(`resolved ${host}`);
    };
    expect((await refusal("http://[::1]/", opts({ resolve: resolveSpy }))).message).toContain(
      "'[::1]' is a loopback address",
    );
    expect((await refusal(`http://127.0.0.1:${main.port}/cat.png`, opts({ resolve: resolveSpy }))).message).toContain(
      "'127.0.0.1' is a loopback address",
    );
    expect((await refusal(`http://0x7f.1:${main.port}/cat.png`, opts({ resolve: resolveSpy }))).message).toContain(
      "loopback",
    );
    expect(main.requests).toHaveLength(0);
  });

  test("schemes other than http(s), credentials and invalid URLs are refused", async () => {
    expect((await refusal("file:///etc/passwd", opts())).message).toContain("scheme 'file'");
    expect((await refusal("ftp://images.test/cat.png", opts())).message).toContain("scheme 'ftp'");
    expect((await refusal(`http://user:pw@images.test:${main.port}/cat.png`, opts())).message).toContain("credentials");
    expect((await refusal("not a url", opts())).message).toContain("not a valid URL");
    expect(main.requests).toHaveLength(0);
  });

  test("a name that does not resolve is a 400 naming the host", async () => {
    const err = await refusal("http://nowhere.test/cat.png", opts());
    expect(err.message).toContain("'nowhere.test' could not be resolved (ENOTFOUND)");
  });
});

describe("fetchRemoteImage: allowed internal hosts", () => {
  test("a host in the allow list is fetched from the checked address, with its name in Host", async () => {
    const got = await fetchRemoteImage(at("/cat.png"), opts());
    expect(got.mimeType).toBe("image/png");
    expect(got.bytes).toBe(PNG.length);
    expect(got.dataUrl).toBe(`data:image/png;base64,${Buffer.from(PNG).toString("base64")}`);
    expect(main.requests).toEqual([{ path: "/cat.png", host: `images.test:${main.port}` }]);
  });

  test("the allow list is case-insensitive and also takes addresses", async () => {
    expect(
      (await fetchRemoteImage(at("/cat.png", "IMAGES.test"), opts({ allowHosts: new Set(["Images.Test"]) }))).bytes,
    ).toBe(PNG.length);
    const byAddress = opts({ allowHosts: new Set(["127.0.0.1"]), resolve: stubResolve({ "cdn.test": ["127.0.0.1"] }) });
    expect((await fetchRemoteImage(at("/cat.png", "cdn.test"), byAddress)).bytes).toBe(PNG.length);
    expect((await fetchRemoteImage(`http://127.0.0.1:${main.port}/cat.png`, byAddress)).bytes).toBe(PNG.length);
  });

  test("an allowed name is resolved once and the address it gave is the one dialled (no rebinding)", async () => {
    let calls = 0;
    const rebinding = async () => (++calls === 1 ? ["127.0.0.1"] : ["10.0.0.5"]);
    const got = await fetchRemoteImage(at("/cat.png"), opts({ resolve: rebinding }));
    expect(got.bytes).toBe(PNG.length);
    expect(calls).toBe(1);
  });

  test("a checked address that refuses the connection is a 400 naming the host", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("x") });
    const deadPort = closed.port;
    closed.stop(true);
    const err = await refusal(`http://images.test:${deadPort}/cat.png`, opts());
    expect(err.message).toContain("'images.test' could not be reached");
  });
});

describe("fetchRemoteImage: redirects", () => {
  test("a redirect from an allowed host to a private host is refused before the second request", async () => {
    const err = await refusal(at("/to-internal"), opts());
    expect(err.message).toContain(
      "'images.test' redirects to a URL that is not a public internet host (via 'internal.test')",
    );
    expect(err.message).not.toContain("127.0.0.1");
    expect(main.requests).toHaveLength(1);
    expect(internal.requests).toHaveLength(0);
  });

  test("redirects to private literals, the metadata address and other schemes are refused", async () => {
    expect((await refusal(at("/to-loopback-literal"), opts())).message).toContain(
      "redirects to a URL that is not a public internet host (via '127.0.0.1')",
    );
    expect((await refusal(at("/to-metadata"), opts())).message).toContain(
      "redirects to a URL that is not a public internet host (via '169.254.169.254')",
    );
    expect((await refusal(at("/to-ftp"), opts())).message).toContain("redirects to scheme 'ftp'");
    expect(internal.requests).toHaveLength(0);
  });

  test("a redirect to another allowed host is followed, with that host's name in Host", async () => {
    const got = await fetchRemoteImage(at("/to-allowed"), opts({ allowHosts: new Set(["images.test", "other.test"]) }));
    expect(got.bytes).toBe(PNG.length);
    expect(internal.requests).toEqual([{ path: "/cat.png", host: `other.test:${internal.port}` }]);
  });

  test("three redirects are followed; a fourth is refused", async () => {
    expect((await fetchRemoteImage(at("/hop/3"), opts())).bytes).toBe(PNG.length);
    expect(main.requests.map((r) => r.path)).toEqual(["/hop/3", "/hop/2", "/hop/1", "/hop/0"]);
    main.requests.length = 0;
    const err = await refusal(at("/hop/4"), opts());
    expect(err.message).toContain("too many redirects");
    expect(main.requests.map((r) => r.path)).toEqual(["/hop/4", "/hop/3", "/hop/2", "/hop/1"]);
  });
});

describe("fetchRemoteImage: size, time and content", () => {
  test("a declared length over the limit is refused before the body is read", async () => {
    const err = await refusal(at("/big-declared"), opts({ maxBytes: 1000 }));
    expect(err.message).toContain("larger than 1000 bytes");
    expect((await refusal(at("/big-declared"), opts({ maxBytes: 2 * 1024 }))).message).toContain("larger than 2 KB");
  });

  test("a declared length over the limit is refused at once and cuts the connection", async () => {
    // Bun.serve turns a streamed body into chunked, so a raw socket declares the length here. It
    // sends the headers and the first bytes, then stalls: only the declared length can refuse in time.
    let closed = false;
    const raw = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data(socket) {
          socket.write("HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: 50000000\r\n\r\n");
          socket.write(PNG);
        },
        close() {
          closed = true;
        },
      },
    });
    try {
      const started = performance.now();
      const err = await refusal(`http://images.test:${raw.port}/big.png`, opts({ maxBytes: 1000, timeoutMs: 2_000 }));
      expect(err.message).toContain("larger than 1000 bytes");
      expect(performance.now() - started).toBeLessThan(1_000);
      for (let i = 0; i < 100 && !closed; i++) await Bun.sleep(10);
      expect(closed).toBe(true);
    } finally {
      raw.stop(true);
    }
  });

  test("an undeclared (chunked) body is counted as it arrives and cut past the limit", async () => {
    const err = await refusal(at("/big-chunked"), opts({ maxBytes: 20 * 1024 }));
    expect(err.message).toContain("larger than 20 KB");
    await waitForCut(main, "big-chunked");
  });

  test("the default limit is 20 MB", async () => {
    const err = await refusal(at("/huge-chunked"), opts({ timeoutMs: 8_000 }));
    expect(err.message).toContain("larger than 20 MB");
    await waitForCut(main, "huge-chunked");
  }, 15_000);

  test("a body slower than the deadline is cut", async () => {
    const started = performance.now();
    const err = await refusal(at("/slow-body"), opts({ timeoutMs: 300 }));
    expect(err.message).toContain("'images.test' took longer than 0.3 s");
    expect(performance.now() - started).toBeLessThan(2_000);
    await waitForCut(main, "slow-body");
  });

  test("slow headers and a slow resolver count against the same deadline", async () => {
    expect((await refusal(at("/slow-headers"), opts({ timeoutMs: 200 }))).message).toContain("took longer than 0.2 s");
    const hanging = () => new Promise<string[]>(() => {});
    expect((await refusal(at("/cat.png"), opts({ timeoutMs: 200, resolve: hanging }))).message).toContain(
      "took longer than 0.2 s",
    );
  });

  test("the caller's abort ends the fetch with the caller's reason", async () => {
    const ac = new AbortController();
    const reason = new Error("client went away");
    setTimeout(() => ac.abort(reason), 50);
    await expect(fetchRemoteImage(at("/slow-body"), opts({ signal: ac.signal }))).rejects.toBe(reason);
    await waitForCut(main, "slow-body");
  });

  test("content that is not an image is refused, naming its type", async () => {
    expect((await refusal(at("/html"), opts())).message).toContain("is not an image (text/html)");
    expect((await refusal(at("/text-octet"), opts())).message).toContain("is not an image (application/octet-stream");
    expect((await refusal(at("/missing"), opts())).message).toContain("answered HTTP 404");
    expect((await refusal(at("/empty"), opts())).message).toContain("empty body");
  });

  test("a generic or missing content type is decided by the magic bytes", async () => {
    expect((await fetchRemoteImage(at("/octet"), opts())).mimeType).toBe("image/png");
    expect((await fetchRemoteImage(at("/untyped"), opts())).dataUrl).toStartWith("data:image/png;base64,");
    expect((await fetchRemoteImage(at("/gif-untyped"), opts())).mimeType).toBe("image/gif");
  });
});

// https: the checked address is dialled, SNI and certificate verification use the host name.
// A self-signed certificate for images.test, valid 2020–2120 (test only; not a secret).
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBZzCCAQ2gAwIBAgIBATAKBggqhkjOPQQDAjAWMRQwEgYDVQQDDAtpbWFnZXMu
dGVzdDAgFw0yMDAxMDEwMDAwMDBaGA8yMTIwMDEwMTAwMDAwMFowFjEUMBIGA1UE
AwwLaW1hZ2VzLnRlc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQcVq55DiP3
xn5slo+QY3w9cxQ9TETXtD4bgxsF/l064P2NMjB+o1IH7iqucflNqkQluFwJcoCN
JCrKfOgoLdqOo0owSDAWBgNVHREEDzANggtpbWFnZXMudGVzdDAPBgNVHRMBAf8E
BTADAQH/MB0GA1UdDgQWBBQ9VZrXxMinFMMVq2MCeqVBYXvQ+DAKBggqhkjOPQQD
AgNIADBFAiEAvMipZuEy6jHj6fevDZPHE0ooFpFSsndW2t2r7XSg68QCIHdmEyAk
kXLN0iTGlNZgQBf8GlNWboMPFWI0zL/k0/Ek
-----END CERTIFICATE-----`;
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgbhZ0QnyWx2a6bO9C
SAyxcAR2PJdZOR20wexael3UsCihRANCAAQcVq55DiP3xn5slo+QY3w9cxQ9TETX
tD4bgxsF/l064P2NMjB+o1IH7iqucflNqkQluFwJcoCNJCrKfOgoLdqO
-----END PRIVATE KEY-----`;

describe("fetchRemoteImage: https pins the checked address", () => {
  const seen: string[] = [];
  const tlsServer = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { key: TEST_KEY, cert: TEST_CERT },
    fetch(req) {
      seen.push(req.headers.get("host") ?? "");
      return new Response(PNG, { headers: { "content-type": "image/png" } });
    },
  });
  afterAll(() => tlsServer.stop(true));

  test("connects to the resolved address and verifies the certificate against the host name", async () => {
    const got = await fetchRemoteImage(`https://images.test:${tlsServer.port}/cat.png`, opts({ ca: TEST_CERT }));
    expect(got.bytes).toBe(PNG.length);
    expect(seen).toEqual([`images.test:${tlsServer.port}`]);
  });

  test("a certificate for another name is refused", async () => {
    seen.length = 0;
    const o = opts({ ca: TEST_CERT, allowHosts: new Set(["other.test"]) });
    const err = await refusal(`https://other.test:${tlsServer.port}/cat.png`, o);
    expect(err.message).toContain("'other.test' could not be fetched");
    expect(seen).toHaveLength(0);
  });
});
