/** Command-line parsing: no library, because the surface is small and errors must name the flag. */
import { type CliArgs, type Command, flagValue, parsePort, UsageError } from "../config/flags";

export type { CliArgs, Command } from "../config/flags";
export { UsageError } from "../config/flags";

const VALUE_FLAGS = {
  "--port": "port",
  "--host": "host",
  "--config-dir": "configDir",
  "--models": "models",
  "--credentials": "credentials",
  "--keys": "keys",
  "--profile": "profile",
  "--workers": "workers",
} as const;

/** Commands that parse their own arguments; the shared value flags above still apply to them. */
const OWN_ARGUMENTS: ReadonlySet<Command> = new Set(["keys", "usage", "discover"]);

/**
 * A shared flag a command takes as one of its own: `keys new … --models a,b*` is the key's
 * allowlist, not the models file (which `keys` never reads).
 */
const OWNED_FLAGS: Partial<Record<Command, ReadonlySet<string>>> = { keys: new Set(["--models"]) };

export function parseArgs(argv: string[]): CliArgs {
  const out: CliArgs = { command: "serve" };
  let sawCommand = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
    if (flag === "--help" || flag === "-h") return { ...out, command: "help" };
    if (flag === "--version" || flag === "-v") return { ...out, command: "version" };
    if (flag === "--test-mode") {
      if (inline !== undefined && !/^(true|false)$/.test(inline))
        throw new UsageError(`--test-mode takes no value, or =true/=false; got '${inline}'`);
      out.testMode = inline !== "false";
      continue;
    }
    if (OWN_ARGUMENTS.has(out.command) && (!(flag in VALUE_FLAGS) || OWNED_FLAGS[out.command]?.has(flag))) {
      out.rest = [...(out.rest ?? []), arg];
      continue;
    }
    if (flag === "--online") {
      out.online = true;
      continue;
    }
    if (flag in VALUE_FLAGS) {
      const value = flagValue(flag, inline ?? argv[++i]);
      const key = VALUE_FLAGS[flag as keyof typeof VALUE_FLAGS];
      if (key === "port") out.port = parsePort(value, flag);
      else out[key] = value;
      continue;
    }
    if (
      !flag.startsWith("-") &&
      !sawCommand &&
      (flag === "serve" ||
        flag === "check" ||
        flag === "keys" ||
        flag === "usage" ||
        flag === "discover" ||
        flag === "help" ||
        flag === "version")
    ) {
      out.command = flag;
      sawCommand = true;
      continue;
    }
    throw new UsageError(`unknown argument '${arg}'`);
  }
  return out;
}
