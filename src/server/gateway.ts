import { AgentChat } from "../agents/agent-chat";
import { SessionManager } from "../agents/session-manager";
import { ChatService } from "../chat/chat-service";
import type { Settings } from "../config/settings";
import type { ConfigStore } from "../config/store";
import { EmbeddingsService } from "../embeddings/embeddings-service";
import { FilesService } from "../files/files-service";
import { ConcurrencyLimiter } from "../http/concurrency-limiter";
import type { Services } from "../http/context";
import type { Lifecycle } from "../http/lifecycle";
import { Responder } from "../http/respond";
import { StreamRegistry } from "../http/stream-registry";
import { ModerationService } from "../moderation/moderation-service";
import type { Logger } from "../observability/logger";
import type { Metrics } from "../observability/metrics";
import type { OciTransport } from "../oci/transport";
import { PoolHealth } from "../pools/pool-health";
import { Pools } from "../pools/pools";
import { Quotas } from "../quotas/quotas";
import { RerankService } from "../rerank/rerank-service";
import type { StateStore } from "../state/types";
import { StoredResponses } from "../stored-responses/stored-responses";
import { WORKERS_ENV } from "./launch";

/** TEST_MODE keeps files in memory and needs no bucket; this names the in-memory one. */
const TEST_MODE_BUCKET = "testmode-bucket";

/**
 * A concurrency lease of a team key outlives the longest call by this much, so a crashed
 * instance's leases free themselves (docs/teams-and-quotas.md).
 */
const QUOTA_LEASE_MARGIN_MS = 60_000;

/** A lock outlives a crashed holder by this much (Redis); live holders renew it. */
const SESSION_LOCK_LEASE_MS = 30_000;

export interface GatewayParts {
  settings: Settings;
  config: ConfigStore;
  transport: OciTransport;
  stateStore: StateStore;
  log: Logger;
  metrics: Metrics;
  /** How long a turn waits for its conversation's lock, and how long a lock outlives its holder. */
  locks?: { waitMs: number; leaseMs: number };
}

/**
 * Every service the routes use, made once from the configuration and the chosen transport (the
 * real OCI one or the TEST_MODE mock: nothing above this knows which). Open streams are tracked
 * in `streams` so shutdown can end them.
 */
export function buildServices(p: GatewayParts): Services & { streams: StreamRegistry } {
  const { settings, transport, log, metrics } = p;
  const sessions = new SessionManager(p.stateStore, transport, {
    ttlMs: settings.sessionTtlMs,
    lockWaitMs: p.locks?.waitMs ?? settings.upstreamTimeoutMs,
    lockLeaseMs: p.locks?.leaseMs ?? SESSION_LOCK_LEASE_MS,
    log,
    onStoreOp: (ok) => metrics.sessionStore(p.stateStore.kind, ok),
  });
  const files = new FilesService(transport, {
    ...settings.files,
    bucket: settings.files.bucket ?? (p.config.current.testMode ? TEST_MODE_BUCKET : undefined),
  });
  const pools = new Pools(new PoolHealth(), {
    aliases: () => p.config.current.aliases,
    upstreamTimeoutMs: settings.upstreamTimeoutMs,
  });
  metrics.watchPools(() => pools.samples());
  const streams = new StreamRegistry();
  const lifecycle: Lifecycle = { draining: false, startedAt: Date.now() };
  return {
    settings,
    config: p.config,
    chat: new ChatService({
      transport,
      agents: new AgentChat(transport, sessions),
      files,
      pools,
      allowPrivateImageHosts: settings.allowPrivateImageHosts,
      limits: settings.limits,
      log,
    }),
    embeddings: new EmbeddingsService(transport, pools),
    pools,
    rerank: new RerankService(transport, pools),
    moderation: new ModerationService(transport, {
      allowPrivateImageHosts: settings.allowPrivateImageHosts,
      maxImages: settings.limits.maxImages,
      maxImageBytes: settings.limits.maxImageBytes,
    }),
    files,
    sessions,
    storedResponses: new StoredResponses(p.stateStore, settings.responsesTtlMs),
    responder: new Responder({ keepAliveMs: settings.keepAliveMs, streams, metrics }),
    limiter: new ConcurrencyLimiter(settings.maxConcurrentPerKey),
    quotas: new Quotas(p.stateStore, {
      metrics,
      log,
      leaseMs: settings.upstreamTimeoutMs + QUOTA_LEASE_MARGIN_MS,
      // Other processes write the same ledger: workers of this group (a worker learns their
      // number from its supervisor), or instances on Redis.
      shared: Number(process.env[WORKERS_ENV] ?? settings.workers) > 1 || p.stateStore.kind === "redis",
    }),
    metrics,
    log,
    lifecycle,
    streams,
  };
}
