/**
 * What the command line says, in the words settings are made of (config/settings.ts). The parsing
 * itself is the CLI's (cli/args.ts); this is the shared vocabulary, so settings need no CLI.
 */

export type Command = "serve" | "check" | "keys" | "usage" | "discover" | "help" | "version";

export interface CliArgs {
  command: Command;
  port?: number;
  host?: string;
  configDir?: string;
  models?: string;
  credentials?: string;
  /** --keys FILE: api_keys.json elsewhere. */
  keys?: string;
  profile?: string;
  /** --workers N|auto: server processes on one port (docs/deploy.md#workers). */
  workers?: string;
  testMode?: boolean;
  /** `check --online`: also make one signed call per region and alias kind. */
  online?: boolean;
  /** The arguments of `keys`, `usage` and `discover`, which parse their own (cli/keys.ts, cli/usage.ts, cli/discover.ts). */
  rest?: string[];
}

export class UsageError extends Error {}

/**
 * A flag's value as given (`--flag=value`, or the next argument): missing, blank or another flag
 * is a usage error — `--host --port 0` means a host was forgotten, not a host named `--port`.
 */
export function flagValue(flag: string, v: string | undefined): string {
  if (v === undefined || v === "") throw new UsageError(`${flag} needs a value`);
  if (v.startsWith("--")) throw new UsageError(`${flag} needs a value, got the flag '${v}'`);
  return v;
}

export function parsePort(value: string, source: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 0 || n > 65535)
    throw new UsageError(`${source} must be a port number 0-65535, got '${value}'`);
  return n;
}
