import type { Subprocess } from "bun";
import type { Logger } from "../observability/logger";
import { MAX_HTTP_REQUESTS, selfCommand, WORKER_ENV, WORKERS_ENV } from "./launch";

/**
 * `--workers N` (docs/deploy.md#workers): N processes of this same binary serve one port
 * (SO_REUSEPORT: the kernel spreads connections over them); this process supervises them and
 * serves nothing itself.
 * - The port is checked (or, for port 0, chosen) once, without SO_REUSEPORT, so an unrelated
 *   instance on it is still a clear "in use" error, and the workers all get the same port.
 * - A worker that exits unasked is started again, after a pause that grows while it keeps
 *   failing; one that fails at start-up with a configuration error (exit 2) stops everything,
 *   since its siblings would fail the same way.
 * - SIGTERM/SIGINT go to every worker, which drains as a single instance does; this process
 *   exits when they all have. A second signal kills them.
 */
export interface SupervisorOptions {
  workers: number;
  host: string;
  port: number;
  /** The command-line arguments this process got (the workers get them too, port fixed). */
  args: readonly string[];
  /** How long workers drain on SIGTERM; they are killed this long plus a margin after it. */
  drainMs: number;
  log: Logger;
}

/** The longest pause before a crashed worker is started again. */
const MAX_BACKOFF_MS = 30_000;
/** A worker that ran this long is healthy again: its next crash restarts it at once. */
const HEALTHY_AFTER_MS = 60_000;
/** How long a worker may take to start listening. */
const START_TIMEOUT_MS = 30_000;
const KILL_MARGIN_MS = 5_000;

interface Worker {
  id: number;
  proc?: Subprocess;
  startedAt: number;
  ready: boolean;
  /** A reload came while it was starting (without its SIGHUP handler, the signal would kill it). */
  reloadWhenReady?: boolean;
  failures: number;
}

type ReadyMessage = { type: "ready"; banner: string };

export async function supervise(o: SupervisorOptions): Promise<number | undefined> {
  const port = await claimPort(o.host, o.port);
  if (typeof port === "string") {
    console.error(`ocigenai: cannot listen on ${o.host}:${o.port}: ${port}`);
    return 2;
  }
  const args = workerArgs(o.args, port);
  const workers: Worker[] = Array.from({ length: o.workers }, (_, i) => ({
    id: i + 1,
    startedAt: 0,
    ready: false,
    failures: 0,
  }));
  let stopping = false;
  let bannerShown = false;
  let resolveFatal: (code: number) => void = () => {};
  const fatal = new Promise<number>((r) => {
    resolveFatal = r;
  });

  const start = (w: Worker) => {
    w.startedAt = Date.now();
    w.ready = false;
    w.reloadWhenReady = false;
    const startTimer = setTimeout(() => {
      if (!w.ready && !stopping) {
        o.log.error("worker did not start listening in time; restarting it", { worker: w.id });
        w.proc?.kill("SIGKILL");
      }
    }, START_TIMEOUT_MS);
    w.proc = Bun.spawn(selfCommand(args), {
      env: {
        ...process.env,
        [WORKER_ENV]: String(w.id),
        [WORKERS_ENV]: String(o.workers),
        // Free here (a new process, no relaunch): behind an HTTP proxy a worker's OCI calls go
        // through Bun's fetch, whose limit this raises (docs/deploy.md#how-upstream-calls-are-sent).
        BUN_CONFIG_MAX_HTTP_REQUESTS: process.env.BUN_CONFIG_MAX_HTTP_REQUESTS || MAX_HTTP_REQUESTS,
      },
      stdin: "ignore",
      stdout: "inherit",
      stderr: "inherit",
      ipc(message: unknown) {
        const m = message as Partial<ReadyMessage>;
        if (m?.type !== "ready") return;
        clearTimeout(startTimer);
        w.ready = true;
        if (w.reloadWhenReady) {
          w.reloadWhenReady = false;
          w.proc?.kill("SIGHUP");
        }
        if (!bannerShown) {
          bannerShown = true;
          console.log(`${m.banner} workers=${o.workers}`);
        }
        o.log.info("worker ready", { worker: w.id, pid: w.proc?.pid });
      },
      onExit(_proc, code, signal) {
        clearTimeout(startTimer);
        if (stopping) return;
        if (!w.ready && code === 2) {
          o.log.error("worker stopped at start-up with a configuration error; stopping", { worker: w.id });
          resolveFatal(2);
          return;
        }
        w.failures = Date.now() - w.startedAt > HEALTHY_AFTER_MS ? 1 : w.failures + 1;
        const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** (w.failures - 1));
        o.log.error("worker exited; starting it again", { worker: w.id, code, signal, restartInMs: delay });
        setTimeout(() => {
          if (!stopping) start(w);
        }, delay);
      },
    });
  };
  for (const w of workers) start(w);

  const stopAll = async (signal: NodeJS.Signals) => {
    const live = workers.map((w) => w.proc).filter((p): p is Subprocess => p !== undefined && p.exitCode === null);
    for (const p of live) p.kill(signal);
    const killer = setTimeout(() => {
      for (const p of live) if (p.exitCode === null) p.kill("SIGKILL");
    }, o.drainMs + KILL_MARGIN_MS);
    await Promise.all(live.map((p) => p.exited));
    clearTimeout(killer);
  };

  const stopped = new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        o.log.warn("second signal: killing the workers", { signal });
        for (const w of workers) w.proc?.kill("SIGKILL");
        process.exit(1);
      }
      stopping = true;
      o.log.info("stopping the workers", { signal, workers: o.workers });
      void stopAll(signal).then(() => resolve(0));
    };
    process.on("SIGTERM", () => onSignal("SIGTERM"));
    process.on("SIGINT", () => onSignal("SIGINT"));
    // A reload is each worker's own (config/store.ts); the supervisor only passes it on.
    process.on("SIGHUP", () => {
      for (const w of workers) {
        if (w.proc?.exitCode !== null) continue;
        if (w.ready) w.proc.kill("SIGHUP");
        else w.reloadWhenReady = true;
      }
    });
  });

  const code = await Promise.race([stopped, fatal]);
  if (!stopping) {
    stopping = true;
    await stopAll("SIGTERM");
  }
  return code;
}

/**
 * Binds the address once without SO_REUSEPORT: a port someone else holds fails here, as it does
 * for a single instance; port 0 becomes a free port for every worker to share.
 */
async function claimPort(host: string, port: number): Promise<number | string> {
  try {
    const probe = Bun.listen({ hostname: host, port, socket: { data() {} } });
    const chosen = probe.port;
    probe.stop(true);
    return chosen;
  } catch (e) {
    return (e as Error).message;
  }
}

/** A worker's arguments: this process's, with `--port` fixed to `port` and no `--workers`. */
export function workerArgs(args: readonly string[], port: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--port" || a === "--workers") {
      i++;
      continue;
    }
    if (a.startsWith("--port=") || a.startsWith("--workers=")) continue;
    out.push(a);
  }
  return [...out, "--port", String(port)];
}
