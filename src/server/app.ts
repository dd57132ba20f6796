import { Elysia } from "elysia";
import { directRoutes } from "../families/direct/routes";
import { openAiChatRoutes } from "../families/openai/chat-routes";
import { embeddingsRoutes } from "../families/openai/embeddings-routes";
import { filesRoutes } from "../families/openai/files-routes";
import type { Services } from "../http/context";
import { auth } from "../http/plugins/auth";
import { cors } from "../http/plugins/cors";
import { docs } from "../http/plugins/docs";
import { errors } from "../http/plugins/errors";
import { jsonBody } from "../http/plugins/json-body";
import { observe } from "../http/plugins/observe";
import { requestStart } from "../http/plugins/request-start";
import { RouteTable } from "../http/route-table";
import type { UpstreamLedger } from "../observability/upstream-ledger";
import { opsRoutes } from "../ops/routes";

/**
 * The whole HTTP surface: the services decorated once, the cross-cutting plugins in the order
 * their hooks must run (the request's state first, then logs, errors, CORS, auth, body), then
 * one module per API family. Used by the server and, through `app.handle`, by tests.
 */
export function createApp(s: Services, o: { ledger: UpstreamLedger }) {
  let table: RouteTable | undefined;
  const app = new Elysia({ name: "ocigenai" })
    .decorate(s)
    .use(requestStart(() => table!))
    .use(observe({ log: s.log, metrics: s.metrics, ledger: o.ledger }))
    .use(errors(s.log, s.metrics))
    .use(cors(s.settings.corsOrigins))
    .use(auth({ keys: s.settings.apiKeys, publicMetrics: s.settings.metricsPublic }))
    .use(
      jsonBody({
        maxJsonBytes: s.settings.maxJsonBytes,
        maxUploadBytes: s.settings.files.maxUploadBytes,
        logBodies: s.settings.logBodies ? s.log : undefined,
      }),
    )
    .use(docs())
    .use(opsRoutes)
    .use(openAiChatRoutes)
    .use(embeddingsRoutes)
    .use(filesRoutes)
    .use(directRoutes);
  table = new RouteTable(app.routes, "direct");
  return app;
}

export type App = ReturnType<typeof createApp>;
