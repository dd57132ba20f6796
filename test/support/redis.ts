/**
 * A throwaway redis-server for tests: loopback only, a free port, no persistence. It is a real
 * server, not a fake, so the Redis store's Lua scripts, expiry and reconnects are the real thing.
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RedisClient } from "bun";

export interface TestRedis {
  url: string;
  port: number;
  /** Pid of the current server process (changes on restart). */
  readonly pid: number;
  /** SIGTERM, then SIGKILL after 2 s; resolves once the process is gone. `restart()` may follow. */
  stop(): Promise<void>;
  /** Stops it (if running) and starts a fresh, empty server on the same port. */
  restart(): Promise<void>;
}

const READY_WITHIN_MS = 5_000;

/**
 * The Redis suites need a real redis-server. On a machine without one they report themselves
 * skipped, with a loud line saying why; CI (.ci/run installs redis-server and sets
 * REQUIRE_REDIS=1) turns a missing server into a failure instead, so a skip never hides there.
 */
export const skipRedis = Bun.which("redis-server") === null && process.env.REQUIRE_REDIS !== "1";
if (skipRedis) {
  console.warn(
    "\n*** Redis session-store tests SKIPPED: redis-server is not installed (apt-get install redis-server). ***\n",
  );
}

export async function startRedis(): Promise<TestRedis> {
  const bin = Bun.which("redis-server");
  if (!bin) {
    throw new Error(
      "redis-server not found on PATH: install the `redis-server` package (e.g. `apt-get install redis-server`); the Redis session store tests need a real server",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "ocigenai-redis-"));
  const log = join(dir, "redis.log");
  let port = 0;
  let proc: ReturnType<typeof Bun.spawn> | undefined;

  const launch = async () => {
    mkdirSync(dir, { recursive: true }); // stop() removed it
    proc = Bun.spawn(
      [
        bin,
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--logfile",
        log,
      ],
      {
        stdin: "ignore",
        stdout: "ignore",
        stderr: "ignore",
      },
    );
    await waitForPing(port, proc, log);
  };

  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    p.kill("SIGTERM");
    const killer = setTimeout(() => p.kill("SIGKILL"), 2_000);
    await p.exited;
    clearTimeout(killer);
  };

  // The free port may be taken between probing and binding: try another one.
  for (let attempt = 1; ; attempt++) {
    port = freePort();
    try {
      await launch();
      break;
    } catch (e) {
      await stop();
      if (attempt >= 3) throw e;
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return proc?.pid ?? -1;
    },
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await stop();
      await launch();
    },
  };
}

/** A port nobody listens on right now: bind port 0 on loopback, note it, close it. */
function freePort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}

async function waitForPing(
  port: number,
  proc: { exitCode: number | null; signalCode: unknown },
  log: string,
): Promise<void> {
  const deadline = Date.now() + READY_WITHIN_MS;
  let last: unknown;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) break;
    const c = new RedisClient(`redis://127.0.0.1:${port}`, {
      autoReconnect: false,
      enableOfflineQueue: false,
      connectionTimeout: 500,
    });
    try {
      await c.connect();
      if ((await c.send("PING", [])) === "PONG") return;
    } catch (e) {
      last = e;
    } finally {
      c.close();
    }
    await Bun.sleep(25);
  }
  let tail = "";
  try {
    tail = readFileSync(log, "utf8").split("\n").slice(-10).join("\n");
  } catch {
    // no log yet
  }
  throw new Error(
    `redis-server on port ${port} did not answer PING (${last instanceof Error ? last.message : "process exited"})\n${tail}`,
  );
}
