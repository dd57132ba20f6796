import { banner } from "./cli/banner";
import { loadConfig } from "./config/load";
import type { Settings } from "./config/settings";
import { ConfigStore } from "./config/store";
import { formatProblem } from "./config/types";
import { createApp } from "./http/app";
import type { Lifecycle } from "./http/lifecycle";
import { createMockTransport } from "./mock/mock-transport";
import { createAuthProvider } from "./oci/auth";
import { createHttpTransport } from "./oci/http-transport";
import { createOciSigner } from "./oci/signer";
import type { OciTransport } from "./oci/transport";
import { createLogger } from "./observability/logger";
import { SessionManager } from "./agents/session-manager";
import { FilesService } from "./services/files";
import { createSessionStore } from "./agents/stores/create-store";
import type { SessionStore } from "./agents/stores/types";

/** TEST_MODE keeps files in memory and needs no bucket; this names the in-memory one. */
const TEST_MODE_BUCKET = "testmode-bucket";

/** A lock outlives a crashed holder by this much (Redis); live holders renew it. */
const SESSION_LOCK_LEASE_MS = 30_000;

/** Upload routes need more than JSON's 10 MB; per-route limits are enforced below this. */
const MAX_REQUEST_BODY = 64 * 1024 * 1024;

/** `ocigenai serve`: load config (exit 2 on problems), pick the transport, listen. */
export async function serve(settings: Settings): Promise<number | undefined> {
  const log = createLogger(settings.logLevel);
  const loaded = loadConfig(settings);
  if (!loaded.config) {
    console.error(`ocigenai: configuration error (${loaded.problems.length} problem(s)):`);
    for (const p of loaded.problems) console.error(`  - ${formatProblem(p)}`);
    return 2;
  }
  for (const w of loaded.warnings) log.warn(w);
  const config = loaded.config;
  let oci: OciTransport;
  if (config.testMode) {
    oci = createMockTransport();
  } else {
    try {
      const provider = await createAuthProvider(settings.ociAuth, config.credentials);
      oci = createHttpTransport({
        signer: createOciSigner(provider),
        endpoints: settings.endpoints,
        upstreamTimeoutMs: settings.upstreamTimeoutMs,
        streamIdleMs: settings.streamIdleMs,
      });
    } catch (e) {
      console.error(`ocigenai: cannot set up OCI authentication (${settings.ociAuth}): ${(e as Error).message}`);
      return 2;
    }
  }
  let sessionStore: SessionStore;
  try {
    sessionStore = await createSessionStore(settings.sessionStore, { configDir: settings.configDir, warn: (m) => log.warn(m) });
  } catch (e) {
    console.error(`ocigenai: ${(e as Error).message}`);
    return 2;
  }
  const sessions = new SessionManager(sessionStore, oci, {
    ttlMs: settings.sessionTtlMs,
    lockWaitMs: settings.upstreamTimeoutMs,
    lockLeaseMs: SESSION_LOCK_LEASE_MS,
    log,
  });
  const store = new ConfigStore(config, settings, log);
  const lifecycle: Lifecycle = { draining: false, startedAt: Date.now() };
  const files = new FilesService(oci, { ...settings.files, bucket: settings.files.bucket ?? (config.testMode ? TEST_MODE_BUCKET : undefined) });
  const app = createApp({ settings, store, transport: oci, sessions, files, log, lifecycle });
  try {
    app.listen({ port: settings.port, hostname: settings.host, maxRequestBodySize: MAX_REQUEST_BODY });
  } catch (e) {
    console.error(`ocigenai: cannot listen on ${settings.host}:${settings.port}: ${(e as Error).message}`);
    return 2;
  }
  const port = app.server?.port ?? settings.port;
  console.log(banner(settings, config, port));
  if (settings.apiKeys.length === 0) log.warn("no API_KEY/API_KEYS set: only callers on this machine (loopback) are served");
  store.watch();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(0);
    stopping = true;
    lifecycle.draining = true;
    log.info("shutting down", { signal });
    store.close();
    await app.server?.stop(false);
    await sessionStore.close().catch(() => {});
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  return undefined;
}
