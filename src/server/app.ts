import { type AnyElysia, Elysia } from "elysia";
import { anthropicRoutes } from "../families/anthropic/routes";
import { directRoutes } from "../families/direct/routes";
import { openAiChatRoutes } from "../families/openai/chat-routes";
import { embeddingsRoutes } from "../families/openai/embeddings-routes";
import { filesRoutes } from "../families/openai/files-routes";
import { moderationsRoutes } from "../families/openai/moderations-routes";
import { rerankRoutes } from "../families/openai/rerank-routes";
import { responsesRoutes } from "../families/responses/routes";
import { ApiDocs } from "../http/api-docs";
import type { Services } from "../http/context";
import { auth } from "../http/plugins/auth";
import { cors } from "../http/plugins/cors";
import { errors } from "../http/plugins/errors";
import { jsonBody } from "../http/plugins/json-body";
import { observe } from "../http/plugins/observe";
import { requestStart } from "../http/plugins/request-start";
import { RouteTable } from "../http/route-table";
import type { UpstreamLedger } from "../observability/upstream-ledger";
import { adminRoutes } from "../ops/admin-routes";
import { docsRoutes } from "../ops/docs-routes";
import { opsRoutes } from "../ops/routes";

/**
 * The whole HTTP surface: the services decorated once, the cross-cutting plugins in the order
 * their hooks must run (the request's state first, then logs, errors, CORS, auth, body), then
 * one module per API family. Used by the server and, through `app.handle`, by tests.
 */
export function createApp(s: Services, o: { ledger: UpstreamLedger }) {
  let table: RouteTable | undefined;
  let built: AnyElysia | undefined;
  // Routing happens in Elysia alone (no Bun native routes), on a path taken from the URL the same
  // way for every Host header: Bun's native router matched the raw path (`x\..\health` and all)
  // while the URL handlers see is already normalised, so auth and routing could disagree.
  // Bodies are validated as sent and only then cleaned of unknown fields: Elysia's default
  // normaliser mirrors the schema first, which turns `"stream_options": "yes"` into `{}` and
  // reports `messages: {…}` as `messages[0]`.
  const app = new Elysia({
    name: "ocigenai",
    systemRouter: false,
    handler: { standardHostname: false },
    normalize: "typebox",
  })
    .decorate(s)
    .decorate("apiDocs", new ApiDocs(() => built!))
    .use(requestStart(() => table!))
    .use(observe({ log: s.log, metrics: s.metrics, ledger: o.ledger }))
    .use(errors(s.log, s.metrics))
    .use(cors(s.settings.corsOrigins))
    .use(
      auth({
        publicMetrics: s.settings.metricsPublic,
        publicDocs: s.settings.docsPublic,
        trustedOrigins: s.settings.corsOrigins === "*" ? [] : s.settings.corsOrigins,
      }),
    )
    .use(
      jsonBody({
        maxJsonBytes: s.settings.maxJsonBytes,
        maxUploadBytes: s.settings.files.maxUploadBytes,
        logBodies: s.settings.logBodies ? s.log : undefined,
      }),
    )
    .use(opsRoutes)
    .use(adminRoutes)
    .use(docsRoutes)
    .use(openAiChatRoutes)
    .use(embeddingsRoutes)
    .use(rerankRoutes)
    .use(moderationsRoutes)
    .use(filesRoutes)
    .use(responsesRoutes)
    .use(anthropicRoutes)
    .use(directRoutes);
  table = new RouteTable(app.routes, "direct");
  built = app;
  return app;
}

export type App = ReturnType<typeof createApp>;
