import { parseArgs, UsageError } from "./cli/args";
import { runCheck } from "./cli/check";
import { runDiscover } from "./cli/discover";
import { HELP } from "./cli/help";
import { runKeys } from "./cli/keys";
import { runUsage } from "./cli/usage";
import { resolveSettings } from "./config/settings";
import { serve } from "./server/serve";
import { NAME, VERSION } from "./version";

// The SDK's own retry and circuit breaker must never run under ours (docs/oci-wire.md#sdk-retries-and-circuit-breaker).
process.env.OCI_SDK_DEFAULT_RETRY_ENABLED ??= "false";
process.env.OCI_SDK_DEFAULT_CIRCUITBREAKER_ENABLED ??= "false";

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
        return await runCheck(resolveSettings(args, process.env), { online: args.online });
      case "keys":
        return runKeys(resolveSettings(args, process.env), args.rest ?? []);
      case "usage":
        return await runUsage(resolveSettings(args, process.env), args.rest ?? []);
      case "discover":
        return await runDiscover(resolveSettings(args, process.env), args.rest ?? []);
      case "serve":
        return await serve(resolveSettings(args, process.env));
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
