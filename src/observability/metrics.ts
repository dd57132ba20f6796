import type { Counter, Gauge, Histogram, Registry } from "prom-client";
import { UpstreamError } from "../errors/upstream-error";

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** Updates that arrive before prom-client is loaded are kept (up to this many) and replayed. */
const MAX_EARLY_UPDATES = 10_000;

/** How long after start-up prom-client is loaded: the first requests must not wait for it. */
const LOAD_DELAY_MS = 250;

interface Instruments {
  registry: Registry;
  requests: Counter<"route" | "alias" | "status">;
  latency: Histogram<"route" | "alias" | "status">;
  upstream: Histogram<"service" | "status">;
  ttft: Histogram<"alias">;
  tokens: Counter<"alias" | "kind">;
  estimatedTokens: Counter<"alias" | "kind">;
  retries: Counter<"service" | "reason">;
  ociErrors: Counter<"status" | "code">;
  storeOps: Counter<"store" | "result">;
  keyRequests: Counter<"key" | "alias">;
  keyTokens: Counter<"key" | "alias" | "kind">;
  keyRefusals: Counter<"key" | "limit">;
  gcAsked: Counter<"reason">;
  activeRequests: Gauge;
  activeStreams: Gauge;
}

/**
 * The gateway's Prometheus metrics (docs/operations.md#metrics), on prom-client. prom-client is loaded shortly
 * after start-up rather than before it (it costs ~30 ms of cold start); updates made meanwhile are
 * replayed. One registry per instance, so tests can build several apps; label values are bounded
 * (route templates, configured aliases, status codes) and each label set's child is cached, since
 * hashing labels on every update is most of prom-client's cost per request.
 */
export class Metrics {
  private m?: Instruments;
  private early: Array<(m: Instruments) => void> = [];
  private readonly loading: Promise<Instruments>;
  /** One labelled child per label set, made at its first use (prom-client hashes the labels otherwise). */
  private readonly children = new Map<string, object>();
  private pools?: () => Array<{ pool: string; member: string; value: number }>;

  constructor(
    private readonly sessionCount?: () => Promise<number>,
    opts: { loadDelayMs?: number } = {},
  ) {
    this.loading = Bun.sleep(opts.loadDelayMs ?? LOAD_DELAY_MS)
      .then(() => import("prom-client"))
      .then((p) => {
        const m = build(p, this.sessionCount, () => this.pools?.() ?? []);
        this.m = m;
        for (const f of this.early) f(m);
        this.early = [];
        return m;
      });
  }

  get contentType(): string {
    return "text/plain; version=0.0.4; charset=utf-8";
  }

  async render(): Promise<string> {
    return (await this.loading).registry.metrics();
  }

  request(route: string, alias: string | undefined, status: number, seconds: number): void {
    const key = `${route}\u0000${alias ?? ""}\u0000${status}`;
    this.use((m) => {
      this.child(`r${key}`, () => m.requests.labels(route, alias ?? "", String(status))).inc();
      this.child(`l${key}`, () => m.latency.labels(route, alias ?? "", String(status))).observe(seconds);
    });
  }

  upstreamCall(url: string, status: number | undefined, seconds: number): void {
    const service = serviceOf(url);
    const st = status === undefined ? "none" : String(status);
    this.use((m) => this.child(`u${service}\u0000${st}`, () => m.upstream.labels(service, st)).observe(seconds));
  }

  retry(url: string, reason: string): void {
    this.use((m) => m.retries.inc({ service: serviceOf(url), reason }));
  }

  ociError(status: number | undefined, code: string | undefined): void {
    this.use((m) => m.ociErrors.inc({ status: status === undefined ? "none" : String(status), code: code ?? "" }));
  }

  /** Counts `e` when it is an error status OCI answered; anything else is not OCI's. */
  ociErrorOf(e: unknown): void {
    if (e instanceof UpstreamError && e.failure === "http") this.ociError(e.init.status, e.init.code);
  }

  timeToFirstToken(alias: string | undefined, seconds: number): void {
    this.use((m) => this.child(`t${alias ?? ""}`, () => m.ttft.labels(alias ?? "")).observe(seconds));
  }

  /**
   * A call's tokens: what OCI reported, or (`estimated`) the gateway's estimate for a stream cut
   * short before OCI said — counted apart, so `ocigenai_tokens_total` stays OCI's own figures.
   */
  tokens(alias: string | undefined, prompt: number, completion: number, estimated = false): void {
    const a = alias ?? "";
    const e = estimated ? "e" : "";
    this.use((m) => {
      const c = estimated ? m.estimatedTokens : m.tokens;
      if (prompt) this.child(`${e}p${a}`, () => c.labels(a, "prompt")).inc(prompt);
      if (completion) this.child(`${e}c${a}`, () => c.labels(a, "completion")).inc(completion);
    });
  }

  /** One answered call of a key (its name, never the secret) on an alias, and its tokens. */
  keyUsage(key: string, alias: string, input: number, output: number): void {
    const k = `${key}\u0000${alias}`;
    this.use((m) => {
      this.child(`k${k}`, () => m.keyRequests.labels(key, alias)).inc();
      if (input) this.child(`ki${k}`, () => m.keyTokens.labels(key, alias, "input")).inc(input);
      if (output) this.child(`ko${k}`, () => m.keyTokens.labels(key, alias, "output")).inc(output);
    });
  }

  /** A request a key's limit refused (429). */
  keyRefusal(key: string, limit: string): void {
    this.use((m) => m.keyRefusals.inc({ key, limit }));
  }

  /** Where `ocigenai_pool_member_state` reads each member's state when scraped. */
  watchPools(samples: () => Array<{ pool: string; member: string; value: number }>): void {
    this.pools = samples;
  }

  sessionStore(store: string, ok: boolean): void {
    const result = ok ? "ok" : "error";
    this.use((m) => this.child(`s${store}\u0000${result}`, () => m.storeOps.labels(store, result)).inc());
  }

  /** A garbage collection the gateway asked for (server/memory-governor.ts), and why. */
  gcAsked(reason: "stream_surge" | "memory_climb"): void {
    this.use((m) => this.child(`g${reason}`, () => m.gcAsked.labels(reason)).inc());
  }

  readonly activeRequests = {
    inc: () => this.use((m) => m.activeRequests.inc()),
    dec: () => this.use((m) => m.activeRequests.dec()),
  };
  readonly activeStreams = {
    inc: () => this.use((m) => m.activeStreams.inc()),
    dec: () => this.use((m) => m.activeStreams.dec()),
  };

  private use(f: (m: Instruments) => void): void {
    if (this.m) f(this.m);
    else if (this.early.length < MAX_EARLY_UPDATES) this.early.push(f);
  }

  private child<T extends object>(key: string, make: () => T): T {
    let c = this.children.get(key) as T | undefined;
    if (!c) {
      c = make();
      this.children.set(key, c);
    }
    return c;
  }
}

function build(
  p: typeof import("prom-client"),
  sessionCount: (() => Promise<number>) | undefined,
  poolSamples: () => Array<{ pool: string; member: string; value: number }>,
): Instruments {
  const registry = new p.Registry();
  const registers = [registry];
  p.collectDefaultMetrics({ register: registry, prefix: "ocigenai_" });
  // The heap's per-space sizes come from v8.getHeapSpaceStatistics(), which Bun answers by walking
  // the whole JavaScriptCore heap: ~40 ms with half a million objects, the event loop standing
  // still at every scrape (BENCHMARKS.md). JavaScriptCore has no V8 spaces to report anyway; the
  // heap's size stays (ocigenai_nodejs_heap_size_*_bytes, from process.memoryUsage()).
  for (const part of ["total", "used", "available"])
    registry.removeSingleMetric(`ocigenai_nodejs_heap_space_size_${part}_bytes`);
  if (sessionCount) {
    new p.Gauge({
      name: "ocigenai_agent_sessions",
      help: "Live agent sessions in the session store",
      registers,
      async collect() {
        this.set(await sessionCount().catch(() => -1));
      },
    });
  }
  new p.Gauge({
    name: "ocigenai_pool_member_state",
    help: "Each pool member's state on this instance: 0 up, 1 parked (429), 2 breaker open, 3 half-open",
    labelNames: ["pool", "member"],
    registers,
    collect() {
      this.reset();
      for (const s of poolSamples()) this.set({ pool: s.pool, member: s.member }, s.value);
    },
  });
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new p.Counter<L>({ name, help, labelNames, registers });
  const histogram = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new p.Histogram<L>({ name, help, labelNames, buckets: LATENCY_BUCKETS, registers });
  return {
    registry,
    requests: counter("ocigenai_requests_total", "HTTP requests answered", ["route", "alias", "status"]),
    latency: histogram("ocigenai_request_duration_seconds", "Time to answer (streams: to the last event)", [
      "route",
      "alias",
      "status",
    ]),
    upstream: histogram("ocigenai_upstream_duration_seconds", "Time until OCI's answer headers, retries included", [
      "service",
      "status",
    ]),
    ttft: histogram("ocigenai_time_to_first_token_seconds", "Request start to the first streamed text", ["alias"]),
    tokens: counter("ocigenai_tokens_total", "Tokens reported by OCI", ["alias", "kind"]),
    estimatedTokens: counter(
      "ocigenai_estimated_tokens_total",
      "Tokens the gateway estimated for streams cut short before OCI reported usage",
      ["alias", "kind"],
    ),
    retries: counter("ocigenai_upstream_retries_total", "Retries of OCI calls by the retry policy", [
      "service",
      "reason",
    ]),
    ociErrors: counter("ocigenai_oci_errors_total", "Errors OCI answered, by status and OCI code", ["status", "code"]),
    storeOps: counter("ocigenai_session_store_operations_total", "Agent session store operations", ["store", "result"]),
    keyRequests: counter("ocigenai_key_requests_total", "Model and agent calls per API key name and alias", [
      "key",
      "alias",
    ]),
    keyTokens: counter("ocigenai_key_tokens_total", "Tokens per API key name, alias and kind (input, output)", [
      "key",
      "alias",
      "kind",
    ]),
    keyRefusals: counter("ocigenai_key_refusals_total", "Requests refused by a key's limit", ["key", "limit"]),
    gcAsked: counter(
      "ocigenai_gc_collections_total",
      "Garbage collections the gateway asked for: stream_surge (250 more streams open), memory_climb (RSS climbing)",
      ["reason"],
    ),
    activeRequests: new p.Gauge({ name: "ocigenai_active_requests", help: "Requests in progress", registers }),
    activeStreams: new p.Gauge({ name: "ocigenai_active_streams", help: "SSE streams open to clients", registers }),
  };
}

/** The OCI service a URL belongs to, from its path (overrides keep the path). */
function serviceOf(url: string): string {
  const path = url.replace(/^https?:\/\/[^/]+/, "");
  if (path.startsWith("/20240531/")) return "agent";
  if (path.startsWith("/20231130/models")) return "genai";
  if (path.startsWith("/20231130/")) return "inference";
  if (path.startsWith("/n/") || path.startsWith("/n?") || path === "/n") return "objectstorage";
  return "other";
}
