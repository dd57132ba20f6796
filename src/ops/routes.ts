import { Elysia, t } from "elysia";
import type { ConfigStore } from "../config/store";
import { ApiError } from "../errors/api-error";
import type { Lifecycle } from "../http/lifecycle";
import type { Metrics } from "../observability/metrics";
import { NAME, VERSION } from "../version";

/** GET /, /health (liveness, always open), /ready (config loaded, 503 while draining), /metrics. */
export const opsRoutes = (store: ConfigStore, life: Lifecycle, metrics: Metrics) =>
  new Elysia({ name: "routes-ops", detail: { tags: ["operations"] } })
    .get(
      "/",
      () => ({
        name: NAME,
        version: VERSION,
        mode: store.current.testMode ? "TEST_MODE" : "OCI",
        aliases: store.current.aliases.size,
        docs: "/swagger",
      }),
      {
        response: t.Object({
          name: t.String(),
          version: t.String(),
          mode: t.String(),
          aliases: t.Number(),
          docs: t.String(),
        }),
        detail: { summary: "Gateway identity" },
      },
    )
    .get("/health", () => ({ status: "ok" }), {
      response: t.Object({ status: t.String() }),
      detail: { summary: "Liveness (no API key needed)" },
    })
    .get(
      "/ready",
      () => {
        if (life.draining) throw new ApiError(503, "Shutting down", { type: "service_unavailable", code: "draining" });
        return { status: "ready", aliases: store.current.aliases.size };
      },
      {
        response: t.Object({ status: t.String(), aliases: t.Number() }),
        detail: { summary: "Readiness: config loaded, not draining" },
      },
    )
    .get(
      "/metrics",
      async () => new Response(await metrics.render(), { headers: { "content-type": metrics.contentType } }),
      { detail: { summary: "Prometheus metrics (needs a key unless METRICS_PUBLIC=true)" } },
    );
