import type { Family } from "../errors/envelopes";

/**
 * Who may call a route without an API key: always (liveness, readiness), or when the operator
 * made metrics (METRICS_PUBLIC=true) or the API docs (DOCS_PUBLIC, on by default) public.
 */
export type Openness = "always" | "public-metrics" | "public-docs";

/** What a route declares about itself (http/context.ts), read before Elysia routes the request. */
export interface RouteMeta {
  /** The route's path pattern, e.g. `/genai/:alias/v1/chat/completions`. */
  pattern: string;
  family: Family;
  /** Calls OCI and may take long: per-key concurrency slot, no idle timeout. */
  costly: boolean;
  open?: Openness;
}

/** The keys under which the declarations travel in each route's OpenAPI `detail`. */
export const META = { family: "x-ocigenai-family", costly: "x-ocigenai-costly", open: "x-ocigenai-open" } as const;

interface Node {
  literal: Map<string, Node>;
  param?: Node;
  wildcard?: Map<string, RouteMeta>;
  methods: Map<string, RouteMeta>;
  /** The family most routes below this node declare: errors on an unknown path under it use it. */
  family?: Family;
  counts: Map<Family, number>;
}

interface DeclaredRoute {
  method: string;
  path: string;
  hooks?: { detail?: Record<string, unknown> };
}

const node = (): Node => ({ literal: new Map(), methods: new Map(), counts: new Map() });

/**
 * The routes' declared metadata, looked up on the same path string Elysia routes on (one
 * trailing slash ignored, as Elysia's loose paths do), so auth, limits and errors decide on the
 * route that will actually answer. Built once from `app.routes` after the app is assembled.
 */
export class RouteTable {
  private readonly root = node();

  constructor(
    routes: readonly DeclaredRoute[],
    private readonly fallback: Family,
  ) {
    for (const r of routes) {
      const detail = r.hooks?.detail ?? {};
      const family = detail[META.family] as Family | undefined;
      if (!family) continue;
      const meta: RouteMeta = {
        pattern: r.path,
        family,
        costly: detail[META.costly] === true,
        open: detail[META.open] as Openness | undefined,
      };
      this.add(r.method, r.path, meta);
    }
  }

  /** The route's metadata (undefined: nothing answers here) and the family of its errors. */
  match(method: string, path: string): { meta: RouteMeta | undefined; family: Family } {
    const segments = split(path);
    let at = this.root;
    let family = this.fallback;
    for (const s of segments) {
      const next = at.literal.get(s) ?? (s !== "" ? at.param : undefined);
      if (!next) {
        const rest = at.wildcard?.get(method);
        return { meta: rest, family: rest?.family ?? family };
      }
      at = next;
      family = at.family ?? family;
    }
    const meta = at.methods.get(method) ?? (method === "HEAD" ? at.methods.get("GET") : undefined);
    return { meta, family: meta?.family ?? family };
  }

  private add(method: string, path: string, meta: RouteMeta): void {
    let at = this.root;
    // The root keeps the fallback family: an unknown top-level path belongs to no family.
    const seen: Node[] = [];
    for (const s of split(path)) {
      if (s === "*") {
        at.wildcard ??= new Map();
        at.wildcard.set(method, meta);
        break;
      }
      if (s.startsWith(":")) at.param ??= node();
      else if (!at.literal.has(s)) at.literal.set(s, node());
      at = s.startsWith(":") ? at.param! : at.literal.get(s)!;
      seen.push(at);
    }
    if (!path.endsWith("*")) at.methods.set(method, meta);
    for (const n of seen) {
      n.counts.set(meta.family, (n.counts.get(meta.family) ?? 0) + 1);
      n.family = [...n.counts.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    }
  }
}

function split(path: string): string[] {
  const p = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  return p === "/" || p === "" ? [] : p.slice(1).split("/");
}
