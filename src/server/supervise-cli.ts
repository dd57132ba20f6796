import type { Settings } from "../config/settings";
import { createLogger } from "../observability/logger";
import { supervise } from "./supervisor";

/**
 * `serve --workers N` (N > 1): refuses what cannot be shared between processes, then
 * supervises the workers (docs/deploy.md#workers).
 */
export async function runSupervisor(settings: Settings, argv: readonly string[]): Promise<number | undefined> {
  const store = settings.sessionStore ?? "sqlite";
  if (store === "memory") {
    console.error(
      `ocigenai: SESSION_STORE=memory cannot be shared by ${settings.workers} workers (each would keep its own sessions and quota counters); use the default SQLite file or redis://…`,
    );
    return 2;
  }
  const log = createLogger(settings.logLevel);
  return supervise({
    workers: settings.workers,
    host: settings.host,
    port: settings.port,
    args: argv,
    drainMs: settings.drainMs,
    log,
  });
}
