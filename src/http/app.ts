import { Elysia } from "elysia";
import type { ConfigStore } from "../config/store";
import type { Settings } from "../config/settings";
import type { Logger } from "../observability/logger";
import type { OciTransport } from "../oci/transport";
import type { SessionManager } from "../agents/session-manager";
import { agentRoutes } from "../routes/agents";
import { filesRoutes } from "../routes/files";
import type { FilesService } from "../services/files";
import { directRoutes } from "../routes/direct";
import { embeddingsRoutes } from "../routes/embeddings";
import { openAiRoutes } from "../routes/openai";
import { opsRoutes } from "../routes/ops";
import type { Lifecycle } from "./lifecycle";
import { accessLog } from "./plugins/access-log";
import { auth } from "./plugins/auth";
import { cors } from "./plugins/cors";
import { docs } from "./plugins/docs";
import { errors } from "./plugins/errors";
import { jsonBody } from "./plugins/json-body";
import { requestId } from "./plugins/request-id";
import { sessions } from "./plugins/sessions";
import { transport } from "./plugins/transport";

export interface AppDeps {
  settings: Settings;
  store: ConfigStore;
  transport: OciTransport;
  sessions: SessionManager;
  files: FilesService;
  log: Logger;
  lifecycle: Lifecycle;
}

/**
 * The whole HTTP surface. Cross-cutting plugins first (their hooks must see every route), then
 * one Elysia group per route family. Used by the server and, through `app.handle`, by tests.
 */
export function createApp(d: AppDeps) {
  const oci = transport(d.transport);
  const agentSessions = sessions(d.sessions);
  const keepAliveMs = d.settings.keepAliveMs;
  return new Elysia({ name: "ocigenai" })
    .use(requestId())
    .use(errors(d.log))
    .use(cors(d.settings.corsOrigins))
    .use(accessLog(d.log))
    .use(auth({ keys: d.settings.apiKeys }))
    .use(jsonBody({ maxJsonBytes: d.settings.maxJsonBytes, maxUploadBytes: d.settings.files.maxUploadBytes }))
    .use(docs())
    .use(opsRoutes(d.store, d.lifecycle))
    .use(openAiRoutes(d.store, oci, agentSessions, { keepAliveMs, files: d.files, allowPrivateImageHosts: d.settings.allowPrivateImageHosts }))
    .use(filesRoutes(d.store, d.files))
    .use(embeddingsRoutes(d.store, oci))
    .use(directRoutes(d.store, oci, { keepAliveMs }))
    .use(agentRoutes(d.store, oci, agentSessions, { keepAliveMs }));
}

export type App = ReturnType<typeof createApp>;
