import { Elysia, t } from "elysia";
import { ApiError } from "../errors/api-error";
import { context } from "../http/context";
import { NAME, VERSION } from "../version";

/**
 * GET /, HEAD / (a probe, always open), /health (liveness, always open), /ready (config loaded, 503 while draining) and
 * /metrics (open only with METRICS_PUBLIC=true). Errors in the plain `{"error": "..."}` shape.
 */
export const opsRoutes = new Elysia({ name: "routes-ops", detail: { tags: ["operations"] } })
  .use(context)
  .guard({ family: "direct" })
  .get(
    "/",
    ({ config }) => ({
      name: NAME,
      version: VERSION,
      mode: config.current.testMode ? "TEST_MODE" : "OCI",
      aliases: config.current.aliases.size,
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
  // Claude Code probes the base URL with HEAD / (no key) before its first request.
  .head("/", () => new Response(null, { status: 200 }), {
    open: "always",
    detail: { summary: "Reachability probe (no API key needed)" },
  })
  .get("/health", () => ({ status: "ok" }), {
    open: "always",
    response: t.Object({ status: t.String() }),
    detail: { summary: "Liveness (no API key needed)" },
  })
  .get(
    "/ready",
    ({ config, lifecycle }) => {
      if (lifecycle.draining)
        throw new ApiError(503, "Shutting down", { type: "service_unavailable", code: "draining" });
      return { status: "ready", aliases: config.current.aliases.size };
    },
    {
      open: "always",
      response: t.Object({ status: t.String(), aliases: t.Number() }),
      detail: { summary: "Readiness: config loaded, not draining (no API key needed)" },
    },
  )
  .get(
    "/metrics",
    async ({ metrics }) => new Response(await metrics.render(), { headers: { "content-type": metrics.contentType } }),
    {
      open: "public-metrics",
      detail: { summary: "Prometheus metrics (needs a key unless METRICS_PUBLIC=true)" },
    },
  );
