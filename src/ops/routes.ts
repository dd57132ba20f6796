import { Elysia, t } from "elysia";
import { ApiError } from "../errors/api-error";
import { context } from "../http/context";
import { NAME, VERSION } from "../version";

const PoolsReport = t.Record(
  t.String(),
  t.Object({
    strategy: t.String(),
    members: t.Array(
      t.Object({
        member: t.String(),
        state: t.Union([t.Literal("up"), t.Literal("parked"), t.Literal("open"), t.Literal("half_open")]),
        inFlight: t.Number(),
        failures: t.Number(),
        retryInSeconds: t.Optional(t.Number()),
        lastFailure: t.Optional(t.String()),
      }),
    ),
  }),
);

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
      docs: "/docs",
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
  // The answer is a constant, so its schema is only documented, not declared as `response`:
  // Elysia compiles a response validator at a route's first request, and the first /health is
  // what a start-up is timed by (~2.5 ms of it; docs/architecture.md#start-up-what-loads-when).
  .get("/health", () => ({ status: "ok" }), {
    open: "always",
    detail: {
      summary: "Liveness (no API key needed)",
      responses: {
        200: {
          description: "The process is up",
          content: {
            "application/json": {
              schema: { type: "object", properties: { status: { type: "string" } }, required: ["status"] },
            },
          },
        },
      },
    },
  })
  .get(
    "/ready",
    ({ config, lifecycle, pools }) => {
      if (lifecycle.draining)
        throw new ApiError(503, "Shutting down", { type: "service_unavailable", code: "draining" });
      const report = pools.report();
      return {
        status: "ready",
        aliases: config.current.aliases.size,
        ...(Object.keys(report).length > 0 ? { pools: report } : {}),
      };
    },
    {
      open: "always",
      response: t.Object({ status: t.String(), aliases: t.Number(), pools: t.Optional(PoolsReport) }),
      detail: {
        summary:
          "Readiness: config loaded, not draining (no API key needed); each pool member's state on this instance",
      },
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
