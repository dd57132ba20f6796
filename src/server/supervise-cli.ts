import type { Settings } from "../config/settings";
import { createLogger } from "../observability/logger";
import { parseSessionStoreSpec } from "../state/create-store";
import { SqliteSessionStore } from "../state/sqlite";
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
  // A SQLite file the workers cannot use would leave each on a memory store of its own (a single
  // process falls back so; N of them would each count quotas apart): refused here, once.
  let spec: ReturnType<typeof parseSessionStoreSpec>;
  try {
    spec = parseSessionStoreSpec(settings.sessionStore, settings.configDir);
  } catch (e) {
    console.error(`ocigenai: ${(e as Error).message}`);
    return 2;
  }
  if (spec.kind === "sqlite") {
    try {
      await SqliteSessionStore.open(spec.path).close();
    } catch (e) {
      console.error(
        `ocigenai: the SQLite state store ${spec.path} cannot be used (${(e as Error).message}); ${settings.workers} workers must share one store (sessions, stored responses, quotas), so they do not start. Set SESSION_STORE to a writable sqlite:PATH or to redis://…`,
      );
      return 2;
    }
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
