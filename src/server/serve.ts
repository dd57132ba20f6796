import { banner } from "../cli/banner";
import { type LoadedConfig, loadConfig } from "../config/load";
import type { Settings } from "../config/settings";
import { ConfigStore } from "../config/store";
import { formatProblem } from "../config/types";
import { withProbeHost } from "../http/probe-without-host";
import { createLogger, type Logger } from "../observability/logger";
import { Metrics } from "../observability/metrics";
import { UpstreamLedger } from "../observability/upstream-ledger";
import { createSigner, signingIdentity } from "../oci/auth";
import { createHttpTransport } from "../oci/http-transport";
import type { ExchangeReport } from "../oci/signed-http";
import { SwappableSigner } from "../oci/swappable-signer";
import type { OciTransport } from "../oci/transport";
import { createStateStore } from "../state/create-store";
import type { StateStore } from "../state/types";
import { createApp } from "./app";
import { buildServices } from "./gateway";
import { WORKER_ENV } from "./launch";
import { collectSoon, type GcWhen, governMemory } from "./memory-governor";

/**
 * What the HTTP server reads of any body at most: above every route's own limit (JSON, uploads
 * with their form around the file), which answer 413 in the route's envelope. A body larger
 * still gets the server's bare 413 without being read. At least 64 MB, and more when
 * MAX_UPLOAD_MB or MAX_JSON_MB ask for more (they were cut at 64 MB by the server before).
 */
export function maxRequestBody(s: { maxJsonBytes: number; maxUploadBytes: number }): number {
  const slack = 2 * 1024 * 1024;
  return Math.max(64 * 1024 * 1024, s.maxUploadBytes + slack, s.maxJsonBytes + slack);
}

/** Between one worker's drain and the next one's, for the first to be started again. */
const RESTART_ROOM_MS = 5_000;

/** After the drain deadline, streams get their final event; this long to flush it. */
const FLUSH_MS = 500;

/**
 * How long after start-up the signer picks its engine (OpenSSL and node:crypto loaded, ~12 ms),
 * so that neither the start nor, usually, the first call to OCI waits for it.
 */
const SIGNER_WARM_MS = 300;

/** How long after listening the JIT gets its normal policy back (build.ts starts it reluctant). */
const JIT_NORMAL_AFTER_MS = 100;

/**
 * When a garbage collection is asked for (server/memory-governor.ts): RSS climbing by 0.5 MB or
 * more at each of three looks a second apart, 4 MB over where it stood after the last one — a
 * thousand streams' uncollected garbage climbs 2–3 MB a second; a request load's swings do not
 * climb that steadily.
 */
const GC_WHEN: GcWhen = { growthBytes: 4 * 1024 * 1024, stepBytes: 512 * 1024, ticks: 3 };
const GC_LOOK_EVERY_MS = 1000;
/** And a collection each time this many more streams are open than the fewest since the last one. */
const GC_STREAM_SURGE = 250;

function recordExchange(r: ExchangeReport, ledger: UpstreamLedger, metrics: Metrics): void {
  ledger.add(r.requestId, r.ms, r.attempts);
  metrics.upstreamCall(r.url, r.status, r.ms / 1000);
}

async function chooseTransport(
  settings: Settings,
  config: LoadedConfig,
  metrics: Metrics,
  ledger: UpstreamLedger,
  log: Logger,
): Promise<{ transport: OciTransport; signer?: SwappableSigner }> {
  if (config.testMode) return { transport: (await import("../mock/mock-transport")).createMockTransport() };
  const signer = new SwappableSigner(
    await createSigner(settings.ociAuth, config.credentials, (engine) => log.debug("request signer", { engine })),
  );
  setTimeout(() => {
    try {
      void signer.engine;
    } catch (e) {
      // The key passed the start-up check but not node:crypto's; every call will say so too.
      log.error("the API signing key cannot be used", { error: (e as Error).message });
    }
  }, SIGNER_WARM_MS).unref();
  const transport = createHttpTransport({
    signer,
    endpoints: settings.endpoints,
    upstreamTimeoutMs: settings.upstreamTimeoutMs,
    streamIdleMs: settings.streamIdleMs,
    // Bookkeeping waits for the next turn of the event loop: recorded inside the call, it sat
    // between OCI's answer and the client's first byte (~35 µs at a light load; the request's log
    // line, which reads the ledger, is written in a later turn).
    onExchange: (r) => {
      setImmediate(recordExchange, r, ledger, metrics);
    },
    onRetry: (r) => {
      metrics.retry(r.url, r.reason);
      log.warn("retrying OCI call", {
        requestId: r.requestId,
        reason: r.reason,
        delayMs: r.delayMs,
        attempt: r.attempt,
      });
    },
  });
  return { transport, signer };
}

/**
 * A reload whose credentials.conf names another key (a rotation: a new key file and fingerprint)
 * signs the next requests with it; one that cannot sign keeps the key in force, and says so.
 */
function reloadSigningKey(
  store: ConfigStore,
  signer: SwappableSigner,
  settings: Settings,
  log: Logger,
  started: LoadedConfig,
): void {
  // What the key in force was made from, as it was then (the key file's size and time included):
  // a reload compares with that, not with the config it replaces, so a rotation that failed is
  // tried again by the next reload, and a key file replaced in place is seen.
  let inForce = signingIdentity(started.credentials);
  // One reload at a time, in order: the newest config's key is the one left in force.
  let last: Promise<void> = Promise.resolve();
  store.onReload((next) => {
    last = last.then(async () => {
      const wanted = signingIdentity(next.credentials);
      if (wanted === inForce) return;
      try {
        const made = await createSigner(settings.ociAuth, next.credentials);
        void made.engine; // a getter that parses the key and picks its engine (oci/api-key-signer.ts): now, not at the next request
        signer.replace(made);
        inForce = wanted;
        log.info("signing key reloaded", { fingerprint: next.credentials?.fingerprint });
      } catch (e) {
        log.error("the reloaded credentials cannot sign; keeping the key in force", { error: (e as Error).message });
      }
    });
  });
}

/** `ocigenai serve`: load config (exit 2 on problems), pick the transport, listen, drain on SIGTERM. */
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
  // A worker of `--workers N` shares the port its supervisor checked (server/supervisor.ts).
  const worker = process.env[WORKER_ENV];
  // Said once the process is up; a worker then also drains and exits (below).
  let fileLost = (why: string) =>
    log.error("the state file open is no longer at its path: a restart will not find what it holds", { why });
  let stateStore: StateStore;
  try {
    stateStore = await createStateStore(settings.sessionStore, {
      configDir: settings.configDir,
      warn: (m: string) => log.warn(m),
      info: (m: string) => log.info(m),
      shared: worker !== undefined,
      onFileLost: (why) => fileLost(why),
    });
  } catch (e) {
    console.error(`ocigenai: ${(e as Error).message}`);
    // A worker that cannot open the shared file is started again, while the others serve.
    return worker ? 1 : 2;
  }
  const metrics = new Metrics(() => stateStore.size());
  const ledger = new UpstreamLedger();
  let oci: OciTransport;
  let signer: SwappableSigner | undefined;
  try {
    ({ transport: oci, signer } = await chooseTransport(settings, config, metrics, ledger, log));
  } catch (e) {
    console.error(`ocigenai: cannot set up OCI authentication (${settings.ociAuth}): ${(e as Error).message}`);
    return 2;
  }
  const store = new ConfigStore(config, settings, log);
  if (signer) reloadSigningKey(store, signer, settings, log, config);
  const services = buildServices({ settings, config: store, transport: oci, stateStore, log, metrics });
  const { lifecycle, streams } = services;
  const app = createApp(services, { ledger });
  let server: Bun.Server<undefined>;
  try {
    // Bun.serve itself rather than Elysia's `listen`, which, once listening, builds the app's
    // request handler a second time, reloads the server twice and forces a garbage collection, all
    // before the first request is read (~4 ms of a start; docs/architecture.md#start-up-what-loads-when).
    // Nothing else it does applies here: no asynchronous plugins, no onStart/onStop hooks, and no
    // Bun-native routes (systemRouter: false in app.ts).
    server = Bun.serve({
      port: settings.port,
      hostname: settings.host,
      maxRequestBodySize: maxRequestBody({
        maxJsonBytes: settings.maxJsonBytes,
        maxUploadBytes: settings.files.maxUploadBytes,
      }),
      // A port already in use is an error, not a port shared with whatever holds it: only the
      // workers of one supervisor share theirs.
      reusePort: worker !== undefined,
      // Production: never Bun's development error page (it shows source lines and stacks).
      development: false,
      // Elysia's default; long calls lift it per request (http/context.ts).
      idleTimeout: 30,
      fetch: (request) => app.fetch(withProbeHost(request)),
    });
  } catch (e) {
    console.error(`ocigenai: cannot listen on ${settings.host}:${settings.port}: ${(e as Error).message}`);
    return 2;
  }
  // Handlers reach the server (per-request timeouts) through Elysia's context, which reads it here.
  app.server = server;
  const line = banner(settings, config, server.port ?? settings.port);
  // Before a worker says it is ready: its supervisor then passes reloads on (SIGHUP's default kills).
  store.watch();
  // A worker's banner goes to its supervisor, which shows it once for all of them.
  if (worker && process.send) process.send({ type: "ready", banner: line });
  else console.log(line);
  log.info("started", {
    ...(worker ? { worker: Number(worker), pid: process.pid } : {}),
    port: server.port,
    mode: config.testMode ? "TEST_MODE" : "OCI",
    sessionStore: stateStore.kind,
    aliases: [...config.aliases.keys()],
  });
  if (!config.keys.configured)
    log.warn("no API_KEY/API_KEYS and no api_keys.json keys: only callers on this machine (loopback) are served");
  // Started: the JIT's start-up reluctance (build.ts) must not slow the code that runs from now on,
  // but it is lifted a moment later: lifted at once, the JIT set about compiling the start-up code
  // that had run often enough, on the core the first request was being answered on (~2 ms of it).
  setTimeout(() => Bun.unsafe.setJITPolicy(1), JIT_NORMAL_AFTER_MS).unref();
  governMemory(GC_LOOK_EVERY_MS, GC_WHEN, () => metrics.gcAsked("memory_climb"));
  streams.onRise(GC_STREAM_SURGE, () => collectSoon(() => metrics.gcAsked("stream_surge")));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      log.warn("second signal: exiting at once", { signal });
      process.exit(1);
    }
    stopping = true;
    lifecycle.draining = true;
    log.info("shutting down: draining in-flight requests", {
      signal,
      pending: server.pendingRequests,
      streams: streams.size,
      drainMs: settings.drainMs,
    });
    store.close();
    const stopped = server.stop(false);
    const deadline = Date.now() + settings.drainMs;
    // A stream whose handler has returned is not a pending request to Bun: count ours too.
    while ((server.pendingRequests > 0 || streams.size > 0) && Date.now() < deadline) await Bun.sleep(50);
    if (server.pendingRequests > 0 || streams.size > 0) {
      const ended = streams.terminateAll("The server is shutting down; retry the request");
      log.warn("drain deadline reached", { pending: server.pendingRequests, streamsEnded: ended });
      await Bun.sleep(FLUSH_MS);
      await server.stop(true);
    }
    await stopped.catch(() => {});
    await services.quotas.close();
    await stateStore.close().catch(() => {});
    log.info("stopped", { signal });
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  // A worker whose supervisor is gone (killed, out of memory) would keep the port with no one to
  // restart it or pass signals on, and a new start would find the port taken: it drains and exits.
  if (worker) {
    process.on("disconnect", () => {
      if (!stopping) void shutdown("supervisor gone");
    });
    // Deleted or replaced under the workers, the file is no longer one store for all of them:
    // a worker started again opens the file at the path, this one would go on with the old one.
    // One worker after the other (each a drain apart): a worker draining no longer listens, and
    // all of them at once would leave the port with no one answering.
    fileLost = (why) => {
      const inMs = (Number(worker) - 1) * (settings.drainMs + RESTART_ROOM_MS);
      log.error("the shared state file is no longer at its path; this worker drains and starts again on it", {
        why,
        inMs,
      });
      setTimeout(() => {
        if (!stopping) void shutdown("state file lost");
      }, inMs);
    };
  }
  return undefined;
}
