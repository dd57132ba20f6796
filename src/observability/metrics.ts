import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * The gateway's Prometheus metrics (CONTRACT §9). One registry per app, so tests can build
 * several; label values are bounded (route templates, configured aliases, status codes).
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: "ocigenai_requests_total", help: "HTTP requests answered", labelNames: ["route", "alias", "status"], registers: [this.registry] });
  private readonly latency = new Histogram({ name: "ocigenai_request_duration_seconds", help: "Time to answer (streams: to the last event)", labelNames: ["route", "alias", "status"], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  private readonly upstream = new Histogram({ name: "ocigenai_upstream_duration_seconds", help: "Time until OCI's answer headers, retries included", labelNames: ["service", "status"], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  private readonly ttft = new Histogram({ name: "ocigenai_time_to_first_token_seconds", help: "Request start to the first streamed text", labelNames: ["alias"], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  private readonly tokensTotal = new Counter({ name: "ocigenai_tokens_total", help: "Tokens reported by OCI", labelNames: ["alias", "kind"], registers: [this.registry] });
  private readonly retries = new Counter({ name: "ocigenai_upstream_retries_total", help: "Retries of OCI calls by the retry policy", labelNames: ["service", "reason"], registers: [this.registry] });
  private readonly ociErrors = new Counter({ name: "ocigenai_oci_errors_total", help: "Errors OCI answered, by status and OCI code", labelNames: ["status", "code"], registers: [this.registry] });
  private readonly storeOps = new Counter({ name: "ocigenai_session_store_operations_total", help: "Agent session store operations", labelNames: ["store", "result"], registers: [this.registry] });
  readonly activeRequests = new Gauge({ name: "ocigenai_active_requests", help: "Requests in progress", registers: [this.registry] });
  readonly activeStreams = new Gauge({ name: "ocigenai_active_streams", help: "SSE streams open to clients", registers: [this.registry] });

  constructor(sessionCount?: () => Promise<number>) {
    collectDefaultMetrics({ register: this.registry, prefix: "ocigenai_" });
    if (sessionCount) {
      new Gauge({
        name: "ocigenai_agent_sessions",
        help: "Live agent sessions in the session store",
        registers: [this.registry],
        async collect() {
          this.set(await sessionCount().catch(() => -1));
        },
      });
    }
  }

  request(route: string, alias: string | undefined, status: number, seconds: number): void {
    const labels = { route, alias: alias ?? "", status: String(status) };
    this.requests.inc(labels);
    this.latency.observe(labels, seconds);
  }

  upstreamCall(url: string, status: number | undefined, seconds: number): void {
    this.upstream.observe({ service: serviceOf(url), status: status === undefined ? "none" : String(status) }, seconds);
  }

  retry(url: string, reason: string): void {
    this.retries.inc({ service: serviceOf(url), reason });
  }

  ociError(status: number | undefined, code: string | undefined): void {
    this.ociErrors.inc({ status: status === undefined ? "none" : String(status), code: code ?? "" });
  }

  timeToFirstToken(alias: string | undefined, seconds: number): void {
    this.ttft.observe({ alias: alias ?? "" }, seconds);
  }

  tokens(alias: string | undefined, prompt: number, completion: number): void {
    if (prompt) this.tokensTotal.inc({ alias: alias ?? "", kind: "prompt" }, prompt);
    if (completion) this.tokensTotal.inc({ alias: alias ?? "", kind: "completion" }, completion);
  }

  sessionStore(store: string, ok: boolean): void {
    this.storeOps.inc({ store, result: ok ? "ok" : "error" });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
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
