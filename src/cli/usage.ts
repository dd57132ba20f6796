import { existsSync } from "node:fs";
import { flagValue, UsageError } from "../config/flags";
import type { Settings } from "../config/settings";
import { ApiError } from "../errors/api-error";
import { usageRange, usageReport, usageTable } from "../quotas/usage-report";
import { createStateStore, parseSessionStoreSpec } from "../state/create-store";

/**
 * `ocigenai usage [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--key NAME] [--json]`: the usage
 * ledger read straight from the state store SESSION_STORE names (the same rows /admin/usage
 * answers), as a table or JSON. Exit 0, or 2 on bad arguments or a store that cannot be read.
 */
export async function runUsage(
  settings: Settings,
  rest: string[],
  out: (line: string) => void = console.log,
): Promise<number> {
  const q: { from?: string; to?: string; key?: string } = {};
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = rest[i]!.includes("=") ? rest[i]!.split(/=(.*)/s, 2) : [rest[i]!, undefined];
    if (flag === "--json") {
      json = true;
      continue;
    }
    if (flag !== "--from" && flag !== "--to" && flag !== "--key")
      throw new UsageError(`usage: unknown argument '${rest[i]}'`);
    q[flag.slice(2) as "from" | "to" | "key"] = flagValue(flag, inline ?? rest[++i]);
  }
  let range: ReturnType<typeof usageRange>;
  try {
    range = usageRange(q);
  } catch (e) {
    if (e instanceof ApiError) throw new UsageError(e.message);
    throw e;
  }
  // A SQLite file that is not there is a mistyped path or a directory with no ledger, not a new
  // empty ledger to create and report as zero.
  let store: Awaited<ReturnType<typeof createStateStore>>;
  try {
    const spec = parseSessionStoreSpec(settings.sessionStore, settings.configDir);
    if (spec.kind === "sqlite" && !existsSync(spec.path)) {
      out(`no usage ledger at ${spec.path} (no SQLite file there; SESSION_STORE names the store)`);
      return 2;
    }
    store = await createStateStore(settings.sessionStore, { configDir: settings.configDir, warn: (m) => out(m) });
    if (spec.kind === "sqlite" && store.kind !== "sqlite") {
      await store.close();
      return 2; // it could not be opened (the warning above says why)
    }
  } catch (e) {
    out(`cannot open the state store: ${(e as Error).message}`);
    return 2;
  }
  try {
    const report = usageReport(await store.usage(range), range);
    out(json ? JSON.stringify(report, null, 2) : usageTable(report));
    return 0;
  } catch (e) {
    out(`cannot read the usage ledger: ${(e as Error).message}`);
    return 2;
  } finally {
    await store.close();
  }
}
