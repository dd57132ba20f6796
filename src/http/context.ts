import type { Server } from "bun";
import { type DocumentDecoration, Elysia } from "elysia";
import type { SessionManager } from "../agents/session-manager";
import type { ChatService } from "../chat/chat-service";
import { findAlias, requireModelAlias } from "../config/find-alias";
import type { Settings } from "../config/settings";
import type { ConfigStore } from "../config/store";
import type { EmbeddingsService } from "../embeddings/embeddings-service";
import type { Family } from "../errors/envelopes";
import type { FilesService } from "../files/files-service";
import type { ModerationService } from "../moderation/moderation-service";
import type { Logger } from "../observability/logger";
import type { Metrics } from "../observability/metrics";
import type { Pools } from "../pools/pools";
import type { Quotas } from "../quotas/quotas";
import type { RerankService } from "../rerank/rerank-service";
import type { StoredResponses } from "../stored-responses/stored-responses";
import type { ApiDocs } from "./api-docs";
import type { ConcurrencyLimiter } from "./concurrency-limiter";
import type { Lifecycle } from "./lifecycle";
import type { RequestState } from "./request-state";
import type { Responder } from "./respond";
import { META, type Openness } from "./route-table";

/** The services every route may use, made once at start-up (server/gateway.ts) and decorated. */
export type Services = {
  settings: Settings;
  config: ConfigStore;
  chat: ChatService;
  embeddings: EmbeddingsService;
  pools: Pools;
  rerank: RerankService;
  moderation: ModerationService;
  files: FilesService;
  sessions: SessionManager;
  storedResponses: StoredResponses;
  responder: Responder;
  limiter: ConcurrencyLimiter;
  quotas: Quotas;
  metrics: Metrics;
  log: Logger;
  lifecycle: Lifecycle;
};

/**
 * What every route module `.use()`s: the services' types (the app decorates the real ones once,
 * see http/app.ts), the request's state `call`, and the route options that declare a route's
 * policy where the route is declared:
 * - `family`: the API family (error envelope, stream format); usually set once with `.guard`.
 * - `open`: served without an API key (`always`, or `public-metrics` when METRICS_PUBLIC=true).
 * - `slow`: may legitimately take longer than Bun's 10 s idle timeout (a model thinking for
 *   minutes, a 50 MB upload), so the timeout is lifted; the deadlines bound such calls instead.
 * - `costly`: calls OCI for a model or agent answer: `slow`, holds one of the key's concurrency
 *   slots until the answer is over (for a stream, until it closes), passes the key's limits
 *   (quotas: 429, or 503 when the store is down), and counts its usage when it is over.
 * - `alias`: resolves the alias named by the path or by the body's `model` (404 when unknown,
 *   403 when the caller's key may not use it)
 *   into the handler's `alias`, records it for logs and metrics, and is `slow` (it is about to
 *   call OCI).
 * The declarations also travel in each route's OpenAPI `detail`, which the route table reads
 * before routing (auth and error envelopes are decided before a route's own hooks run).
 */
export const context = new Elysia({ name: "context" })
  .decorate({} as Services)
  .decorate("call", undefined as unknown as RequestState)
  .decorate("apiDocs", undefined as unknown as ApiDocs)
  .macro("family", (family: Family) => ({ detail: declared(META.family, family) }))
  .macro("open", (who: Openness) => ({ detail: declared(META.open, who) }))
  .macro("slow", (on: boolean) =>
    on ? { beforeHandle: ({ request, server }) => liftIdleTimeout(server, request) } : {},
  )
  .macro("costly", (on: boolean) =>
    on
      ? {
          detail: declared(META.costly, true),
          async beforeHandle({ call, limiter, quotas, request, server }) {
            liftIdleTimeout(server, request);
            call.whenFinished(limiter.acquire(call.owner));
            const admitted = await quotas.admit(call.key);
            if (admitted) Object.assign(call.answerHeaders, admitted.headers);
            // The lease is freed with the settlement, in one write when it settles at once.
            call.whenFinished(() => quotas.settle(call.key, call.alias, call.usage, admitted));
          },
        }
      : {},
  )
  .macro("alias", (from: "path" | "body") => ({
    resolve({ call, config, params, body, request, server }) {
      liftIdleTimeout(server, request);
      const name =
        from === "path" ? (params as { alias?: string }).alias : (body as { model?: string } | undefined)?.model;
      const alias =
        from === "path" ? findAlias(config.current, name, call.key) : requireModelAlias(config.current, name, call.key);
      call.alias = alias.alias;
      return { alias };
    },
  }));

function liftIdleTimeout(server: Server<unknown> | null, request: Request): void {
  server?.timeout(request, 0);
}

/** A declaration as an OpenAPI extension field (`x-…`), which Elysia's own detail type does not list. */
function declared(key: string, value: unknown): DocumentDecoration {
  return { [key]: value } as DocumentDecoration;
}
