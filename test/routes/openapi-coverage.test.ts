/**
 * /openapi.json documents every route the app serves, found from the app itself (`app.routes`),
 * so a route someone adds later is held to it without anyone listing it here. A route may leave
 * the document only by hiding itself (`detail: { hide: true }`), and only the few listed below do.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { META } from "../../src/http/route-table";
import { makeTestApp } from "../support/app";

/** Routes that are not API operations: the same UI page again, and the UI's files. */
const HIDDEN = ["GET /swagger", "GET /docs/assets/:name"];

type Operation = {
  summary?: string;
  security?: unknown[];
  parameters?: Array<{ in: string; name: string; required?: boolean }>;
} & Record<string, unknown>;
type Doc = { paths: Record<string, Record<string, Operation>>; security: unknown[] };

interface Route {
  method: string;
  path: string;
  hooks?: { detail?: Record<string, unknown> };
}

const asOpenApiPath = (path: string) => path.replace(/:([^/]+)/g, "{$1}");

async function documented(env: Record<string, string> = {}) {
  const t = makeTestApp({ env });
  const r = await t.call("/openapi.json", { headers: env.API_KEY ? { authorization: `Bearer ${env.API_KEY}` } : {} });
  expect(r.status).toBe(200);
  return { doc: (await r.json()) as Doc, routes: t.app.routes as unknown as Route[] };
}

describe("the OpenAPI document covers every route", () => {
  let doc: Doc;
  let served: Route[];
  let visible: Route[];
  beforeAll(async () => {
    const d = await documented();
    doc = d.doc;
    // CORS preflights (OPTIONS, answered by the cors plugin for every path) are not operations.
    served = d.routes.filter((r) => r.method !== "OPTIONS");
    visible = served.filter((r) => r.hooks?.detail?.hide !== true);
  });

  test("the app has routes of every family to check", () => {
    const families = new Set(served.map((r) => r.hooks?.detail?.[META.family]));
    for (const f of ["anthropic", "direct", "openai", "responses"]) expect(families).toContain(f);
    expect(visible.length).toBeGreaterThan(40);
  });

  test("every route that does not hide itself is in the document, with its method", () => {
    const missing = visible
      .filter((r) => doc.paths[asOpenApiPath(r.path)]?.[r.method.toLowerCase()] === undefined)
      .map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
  });

  test("only the UI's own routes hide themselves", () => {
    const hidden = served.filter((r) => r.hooks?.detail?.hide === true).map((r) => `${r.method} ${r.path}`);
    expect(hidden.sort()).toEqual([...HIDDEN].sort());
  });

  test("the document names no operation the app does not serve", () => {
    const routeKeys = new Set(visible.map((r) => `${r.method.toLowerCase()} ${asOpenApiPath(r.path)}`));
    const extra = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
      .filter((k) => !routeKeys.has(k));
    expect(extra).toEqual([]);
  });

  test("every operation has a summary and declares each of its path's parameters", () => {
    const problems: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(ops)) {
        if (!op.summary) problems.push(`${method} ${path}: no summary`);
        for (const name of names) {
          const p = op.parameters?.find((x) => x.in === "path" && x.name === name);
          if (!p?.required) problems.push(`${method} ${path}: path parameter '${name}' not declared as required`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe("the document says which operations need no key", () => {
  const keyless = (doc: Doc) =>
    Object.entries(doc.paths)
      .flatMap(([path, ops]) =>
        Object.entries(ops)
          .filter(([, op]) => Array.isArray(op.security) && op.security.length === 0)
          .map(([m]) => `${m.toUpperCase()} ${path}`),
      )
      .sort();

  test("by default: the probes and the docs; a key everywhere else", async () => {
    const { doc } = await documented({ API_KEY: "k" });
    expect(doc.security).toEqual([{ bearer: [] }, { apiKey: [] }]);
    expect(keyless(doc)).toEqual(["GET /docs", "GET /health", "GET /openapi.json", "GET /ready", "HEAD /"]);
  });

  test("DOCS_PUBLIC=false takes the docs out, METRICS_PUBLIC=true puts /metrics in", async () => {
    const { doc } = await documented({ API_KEY: "k", DOCS_PUBLIC: "false", METRICS_PUBLIC: "true" });
    expect(keyless(doc)).toEqual(["GET /health", "GET /metrics", "GET /ready", "HEAD /"]);
  });
});
