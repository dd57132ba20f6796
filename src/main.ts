import { parseArgs, UsageError } from "./cli/args";
import { HELP } from "./cli/help";
import { resolveSettings } from "./config/settings";
import { relaunchForHttpLimit, WORKER_ENV } from "./server/launch";
import { NAME, VERSION } from "./version";

// The SDK's own retry and circuit breaker must never run under ours (docs/oci-wire.md#sdk-retries-and-circuit-breaker).
process.env.OCI_SDK_DEFAULT_RETRY_ENABLED ??= "false";
process.env.OCI_SDK_DEFAULT_CIRCUITBREAKER_ENABLED ??= "false";

/**
 * The commands are loaded when chosen, not all at start-up: `serve` may relaunch itself before
 * it loads anything heavy (server/launch.ts), and `--version` or `check` need none of the server.
 */
async function main(argv: string[]): Promise<number | undefined> {
  try {
    const args = parseArgs(argv);
    switch (args.command) {
      case "help":
        console.log(HELP);
        return 0;
      case "version":
        console.log(`${NAME} ${VERSION}`);
        return 0;
      case "check":
        return await (await import("./cli/check")).runCheck(resolveSettings(args, process.env), {
          online: args.online,
        });
      case "keys":
        return (await import("./cli/keys")).runKeys(resolveSettings(args, process.env), args.rest ?? []);
      case "usage":
        return await (await import("./cli/usage")).runUsage(resolveSettings(args, process.env), args.rest ?? []);
      case "discover":
        return await (await import("./cli/discover")).runDiscover(resolveSettings(args, process.env), args.rest ?? []);
      case "serve": {
        const settings = resolveSettings(args, process.env);
        if (!process.env[WORKER_ENV]) {
          if (settings.workers > 1) return await (await import("./server/supervise-cli")).runSupervisor(settings, argv);
          if (relaunchForHttpLimit(argv)) return undefined;
        }
        return await (await import("./server/serve")).serve(settings);
      }
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`ocigenai: ${e.message}\nRun 'ocigenai --help' for usage.`);
      return 2;
    }
    throw e;
  }
}

// No top-level await: the binary is compiled to bytecode, which needs a CommonJS-shaped entry.
main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (e: unknown) => {
    console.error(`ocigenai: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
