/**
 * The API reference UI of the compiled binary, run far from node_modules: everything the page
 * loads comes from inside the executable (docs/api/operations.md#api-reference-ui).
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { makeTestApp } from "../support/app";
import { BINARY_SETUP_TIMEOUT_MS, binaryDir } from "../support/binary";
import { pageAssets } from "../support/docs-page";
import { type Gateway, REPO, startGateway } from "../support/gateway";

const NO_TOOLS = { PATH: "/nonexistent", TEST_MODE: "true" };
const TYPES: Record<string, string> = {
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  png: "image/png",
};

const running: Gateway[] = [];
afterAll(async () => {
  for (const g of running) await g.stop();
});

async function start(env: Record<string, string> = {}): Promise<Gateway> {
  const { bin } = await binaryDir();
  const g = await startGateway({ binary: bin, cwd: "/", env: { ...NO_TOOLS, ...env } });
  running.push(g);
  return g;
}

describe("compiled binary: API reference UI", () => {
  let g: Gateway;
  beforeAll(async () => {
    g = await start();
  }, BINARY_SETUP_TIMEOUT_MS);

  test("/docs, /docs/, /swagger and /swagger/ serve the page; it names only same-origin assets", async () => {
    let html = "";
    for (const path of ["/docs", "/docs/", "/swagger", "/swagger/"]) {
      const r = await fetch(`${g.url}${path}`);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
      html = await r.text();
    }
    expect(html).not.toMatch(/https?:\/\//i);
    const urls = pageAssets(html);
    expect(urls.length).toBe(5);
    for (const u of urls) expect(u.startsWith("/docs/assets/")).toBe(true);
  });

  test("every asset the page names: 200, its content type, a real body, cached for good", async () => {
    const html = await (await fetch(`${g.url}/docs`)).text();
    for (const url of pageAssets(html)) {
      const r = await fetch(`${g.url}${url}`); // fetch asks for gzip and inflates it
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe(TYPES[url.split("?")[0]!.split(".").pop()!]!);
      expect(r.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      const body = new Uint8Array(await r.arrayBuffer());
      if (url.includes("swagger-ui-bundle.js")) {
        expect(body.byteLength).toBeGreaterThan(1_000_000);
        expect(new TextDecoder().decode(body.subarray(0, 200_000))).toContain("SwaggerUIBundle");
      } else if (url.includes("swagger-ui.css")) expect(body.byteLength).toBeGreaterThan(100_000);
      else expect(body.byteLength).toBeGreaterThan(100);
    }
  });

  test("/openapi.json from the binary documents the same operations as the app from source", async () => {
    const paths = (d: { paths: Record<string, Record<string, unknown>> }) =>
      Object.entries(d.paths)
        .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`))
        .sort();
    const fromBinary = await (await fetch(`${g.url}/openapi.json`)).json();
    const fromSource = await (await makeTestApp().call("/openapi.json")).json();
    expect(paths(fromBinary)).toEqual(paths(fromSource));
    expect(paths(fromBinary)).toContain("get /docs");
  });
});

test(
  "the executable carries Swagger UI's files itself (the page does not depend on node_modules being there)",
  async () => {
    const { bin } = await binaryDir();
    const image = Buffer.from(await Bun.file(bin).arrayBuffer());
    for (const name of ["swagger-ui-bundle.js", "swagger-ui.css", "index.css", "favicon-32x32.png"]) {
      const file = Buffer.from(await Bun.file(join(REPO, "node_modules/swagger-ui-dist", name)).arrayBuffer());
      expect(image.indexOf(file)).toBeGreaterThan(0);
    }
  },
  BINARY_SETUP_TIMEOUT_MS,
);

describe("compiled binary: DOCS_PUBLIC=false", () => {
  test(
    "the page, its assets and the document need the API key",
    async () => {
      const g = await start({ API_KEY: "docs-key", DOCS_PUBLIC: "false" });
      const html = await (await fetch(`${g.url}/docs/`, { headers: { authorization: "Bearer docs-key" } })).text();
      for (const path of ["/docs", "/swagger/", "/openapi.json", ...pageAssets(html)]) {
        const without = await fetch(`${g.url}${path}`);
        expect(without.status).toBe(401);
        expect(await without.json()).toEqual({ error: "Missing API key" });
        const wrong = await fetch(`${g.url}${path}`, { headers: { "x-api-key": "nope" } });
        expect(wrong.status).toBe(401);
        const withKey = await fetch(`${g.url}${path}`, { headers: { "x-api-key": "docs-key" } });
        expect(withKey.status).toBe(200);
        await withKey.arrayBuffer();
      }
    },
    BINARY_SETUP_TIMEOUT_MS,
  );
});
