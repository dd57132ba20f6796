import { proxyConfigured } from "../oci/proxy-env";

/**
 * How the process gets the runtime settings it cannot set once running (docs/deploy.md#workers).
 *
 * Calls to OCI go out through the gateway's own socket client (oci/upstream-sender.ts), which has
 * no limit on requests in flight. Only through an HTTP proxy do they use Bun's fetch, which runs at most 256 requests
 * at once unless `BUN_CONFIG_MAX_HTTP_REQUESTS` is in the environment when the process starts; a
 * gateway holding 1,000 upstream streams needs more. So with a proxy configured, `serve` replaces
 * itself (execve: same pid, so systemd and scripts that kill by pid still see it) with the same
 * command and that variable set, before it loads anything heavy. An operator's own value is
 * kept. Workers get it from the supervisor that spawns them.
 */

/** Upstream requests one process may have in flight. */
export const MAX_HTTP_REQUESTS = "4096";

/** Set by the supervisor in each worker's environment: its number, from 1. */
export const WORKER_ENV = "OCIGENAI_WORKER";
/** Set with WORKER_ENV: how many workers the supervisor runs (for the banner). */
export const WORKERS_ENV = "OCIGENAI_WORKERS";

/** This program's command line with other arguments: the binary, or `bun src/main.ts` from source. */
export function selfCommand(args: readonly string[]): string[] {
  const script = process.argv[1];
  // A compiled binary's own entry is inside the executable (/$bunfs/…), not a file to run.
  const compiled = script === undefined || script.startsWith("/$bunfs/") || script.startsWith("B:/~BUN/");
  // From source, the runtime's own flags (`bun --cpu-prof src/main.ts`) must come along.
  return [process.execPath, ...(compiled ? [] : [...process.execArgv, script]), ...args];
}

/** True when this process must start again with the fetch limit raised (and then never returns). */
export function relaunchForHttpLimit(args: readonly string[]): boolean {
  if (process.env.BUN_CONFIG_MAX_HTTP_REQUESTS || process.env[WORKER_ENV]) return false;
  if (!proxyConfigured(process.env)) return false;
  const execve = (process as { execve?: (file: string, args: string[], env: Record<string, string>) => never }).execve;
  if (typeof execve !== "function") return false;
  const cmd = selfCommand(args);
  execve(cmd[0]!, cmd, { ...(process.env as Record<string, string>), BUN_CONFIG_MAX_HTTP_REQUESTS: MAX_HTTP_REQUESTS });
  return true;
}
