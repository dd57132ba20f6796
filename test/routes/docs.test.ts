/**
 * The API reference UI served from inside the gateway (docs/api/operations.md#api-reference-ui):
 * the page at every spelling of /docs and /swagger, only same-origin URLs in it, each asset with its
 * type, versioned URLs cached for good, gzip, revalidation, and DOCS_PUBLIC.
 */
import { describe, expect, test } from "bun:test";
import { acceptsGzip } from "../../src/ops/static-file";
import { makeTestApp } from "../support/app";
import { pageAssets } from "../support/docs-page";

const PAGES = ["/docs", "/docs/", "/swagger", "/swagger/"];
const TYPES: Record<string, string> = {
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  png: "image/png",
};
const typeOf = (url: string) => TYPES[new URL(url, "http://x").pathname.split(".").pop()!];

describe("API reference UI", () => {
  const { call } = makeTestApp();

  test("served at /docs, /docs/, /swagger and /swagger/ alike, with a policy that keeps it on this origin", async () => {
    const bodies = new Set<string>();
    for (const path of PAGES) {
      const r = await call(path);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(r.headers.get("cache-control")).toBe("no-cache");
      const csp = r.headers.get("content-security-policy")!;
      for (const d of ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"])
        expect(csp).toContain(d);
      bodies.add(await r.text());
    }
    expect(bodies.size).toBe(1);
  });

  test("the page loads only its own assets, by absolute versioned URLs, and points Swagger UI at /openapi.json", async () => {
    const html = await (await call("/docs/")).text();
    expect(html).not.toMatch(/(src|href)\s*=\s*"(https?:)?\/\//i);
    const urls = pageAssets(html);
    expect(urls.map((u) => u.split("?")[0]).sort()).toEqual([
      "/docs/assets/favicon-32x32.png",
      "/docs/assets/index.css",
      "/docs/assets/start.js",
      "/docs/assets/swagger-ui-bundle.js",
      "/docs/assets/swagger-ui.css",
    ]);
    for (const u of urls) expect(u).toMatch(/^\/docs\/assets\/[\w.-]+\?v=[0-9a-f]{16}$/);
    const start = await (await call(urls.find((u) => u.includes("start.js"))!)).text();
    expect(start).toContain('url: "/openapi.json"');
    expect(start).toContain("validatorUrl: null"); // else Swagger UI fetches a badge from the internet
  });

  test("every asset answers with its type and a real body; a versioned URL is cached for good", async () => {
    for (const url of pageAssets(await (await call("/docs")).text())) {
      const r = await call(url);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe(typeOf(url)!);
      expect(r.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
      const size = (await r.arrayBuffer()).byteLength;
      expect(size).toBeGreaterThan(url.includes("swagger-ui-bundle.js") ? 1_000_000 : 100);
    }
    const bundle = await (await call("/docs/assets/swagger-ui-bundle.js")).text();
    expect(bundle).toContain("SwaggerUIBundle");
  });

  test("without the current version (an old page, a typed URL) an asset is revalidated instead", async () => {
    for (const url of ["/docs/assets/swagger-ui.css", "/docs/assets/swagger-ui.css?v=0000000000000000"]) {
      const r = await call(url);
      expect(r.status).toBe(200);
      expect(r.headers.get("cache-control")).toBe("no-cache");
    }
  });

  test("If-None-Match with the ETag → 304 without a body", async () => {
    const first = await call("/docs/assets/swagger-ui.css");
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^W\/"[0-9a-f]{16}"$/);
    const again = await call("/docs/assets/swagger-ui.css", { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    const changed = await call("/docs/assets/swagger-ui.css", { headers: { "if-none-match": 'W/"0"' } });
    expect(changed.status).toBe(200);
  });

  test("gzip for text when the client takes it (the same bytes once inflated), never for the PNG", async () => {
    const plain = new Uint8Array(await (await call("/docs/assets/swagger-ui-bundle.js")).arrayBuffer());
    const r = await call("/docs/assets/swagger-ui-bundle.js", { headers: { "accept-encoding": "br, gzip" } });
    expect(r.headers.get("content-encoding")).toBe("gzip");
    expect(r.headers.get("vary")).toBe("accept-encoding");
    const zipped = new Uint8Array(await r.arrayBuffer());
    expect(zipped.byteLength).toBeLessThan(plain.byteLength / 2);
    expect(Bun.gunzipSync(zipped)).toEqual(plain);
    const png = await call("/docs/assets/favicon-32x32.png", { headers: { "accept-encoding": "gzip" } });
    expect(png.headers.get("content-encoding")).toBeNull();
    const refused = await call("/docs/assets/swagger-ui.css", { headers: { "accept-encoding": "gzip;q=0" } });
    expect(refused.headers.get("content-encoding")).toBeNull();
  });

  test("an unknown asset → 404 in the direct envelope; no path leads out of the asset list", async () => {
    for (const path of ["/docs/assets/nope.js", "/docs/assets/..%2f..%2fpackage.json", "/docs/assets/index.html"]) {
      const r = await call(path);
      expect(r.status).toBe(404);
      expect((await r.json()).error).toBeString();
    }
  });
});

describe("DOCS_PUBLIC", () => {
  const paths = ["/docs", "/docs/", "/swagger/", "/docs/assets/swagger-ui.css", "/openapi.json"];

  test("open by default, even when keys are configured", async () => {
    const { call } = makeTestApp({ env: { API_KEY: "k" } });
    for (const path of paths) expect((await call(path)).status).toBe(200);
  });

  test("DOCS_PUBLIC=false: page, assets and document need the key", async () => {
    const { call } = makeTestApp({ env: { API_KEY: "k", DOCS_PUBLIC: "false" } });
    for (const path of paths) {
      const r = await call(path);
      expect(r.status).toBe(401);
      expect(await r.json()).toEqual({ error: "Missing API key" });
      expect((await call(path, { headers: { "x-api-key": "k" } })).status).toBe(200);
    }
  });
});

test("acceptsGzip reads Accept-Encoding's list and its q values", () => {
  expect(acceptsGzip(null)).toBe(false);
  expect(acceptsGzip("gzip")).toBe(true);
  expect(acceptsGzip("deflate, GZIP;q=0.5")).toBe(true);
  expect(acceptsGzip("gzip;q=0")).toBe(false);
  expect(acceptsGzip("gzip; q=0.0, br")).toBe(false);
  expect(acceptsGzip("x-gzip, br")).toBe(false);
  expect(acceptsGzip("identity")).toBe(false);
});
