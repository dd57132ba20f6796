import { Elysia } from "elysia";
import type { SessionManager } from "../agents/session-manager";
import type { Settings } from "../config/settings";
import type { ConfigStore } from "../config/store";
import { embeddingsRoutes } from "../embeddings/routes";
import { agentRoutes } from "../families/direct/agent-routes";
import { directRoutes } from "../families/direct/routes";
import { openAiRoutes } from "../families/openai/routes";
import type { FilesService } from "../files/files-service";
import { filesRoutes } from "../files/routes";
import type { Logger } from "../observability/logger";
import type { Metrics } from "../observability/metrics";
import type { UpstreamLedger } from "../observability/upstream-ledger";
import type { OciTransport } from "../oci/transport";
import { opsRoutes } from "../ops/routes";
import type { Lifecycle } from "./lifecycle";
import { auth } from "./plugins/auth";
import { concurrency } from "./plugins/concurrency";
import { cors } from "./plugins/cors";
import { docs } from "./plugins/docs";
import { errors } from "./plugins/errors";
import { jsonBody } from "./plugins/json-body";
import { observe } from "./plugins/observe";
import { requestId } from "./plugins/request-id";
import { sessions } from "./plugins/sessions";
import { transport } from "./plugins/transport";
import type { StreamRegistry } from "./stream-registry";

export interface AppDeps {
  settings: Settings;
  store: ConfigStore;
  transport: OciTransport;
  sessions: SessionManager;
  files: FilesService;
  log: Logger;
  metrics: Metrics;
  ledger: UpstreamLedger;
  streams: StreamRegistry;
  lifecycle: Lifecycle;
}

/**
 * The whole HTTP surface. Cross-cutting plugins first (their hooks must see every route), then
 * one Elysia group per route family. Used by the server and, through `app.handle`, by tests.
 */
export function createApp(d: AppDeps) {
  const oci = transport(d.transport);
  const agentSessions = sessions(d.sessions);
  const stream = { keepAliveMs: d.settings.keepAliveMs, streams: d.streams, metrics: d.metrics };
  const open = ["/health", ...(d.settings.metricsPublic ? ["/metrics"] : [])];
  return new Elysia({ name: "ocigenai" })
    .use(requestId())
    .use(observe({ log: d.log, metrics: d.metrics, ledger: d.ledger }))
    .use(errors(d.log, d.metrics))
    .use(cors(d.settings.corsOrigins))
    .use(auth({ keys: d.settings.apiKeys, openPaths: open }))
    .use(concurrency({ perKey: d.settings.maxConcurrentPerKey }))
    .use(
      jsonBody({
        maxJsonBytes: d.settings.maxJsonBytes,
        maxUploadBytes: d.settings.files.maxUploadBytes,
        logBodies: d.settings.logBodies ? d.log : undefined,
      }),
    )
    .use(docs())
    .use(opsRoutes(d.store, d.lifecycle, d.metrics))
    .use(
      openAiRoutes(d.store, oci, agentSessions, {
        ...stream,
        files: d.files,
        allowPrivateImageHosts: d.settings.allowPrivateImageHosts,
      }),
    )
    .use(filesRoutes(d.store, d.files))
    .use(embeddingsRoutes(d.store, oci))
    .use(directRoutes(d.store, oci, stream))
    .use(agentRoutes(d.store, oci, agentSessions, stream));
}

export type App = ReturnType<typeof createApp>;
