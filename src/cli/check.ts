import { loadConfig } from "../config/load";
import type { Settings } from "../config/settings";
import { formatProblem } from "../config/types";
import { runOnlineChecks } from "./check-online";

/**
 * `ocigenai check`: validates both files offline (JSON, required fields, key file readable and
 * parseable, fingerprint matching the key, regions known). Prints a report; exit 0 or 1.
 */
export async function runCheck(
  settings: Settings,
  opts: { online?: boolean } = {},
  out: (line: string) => void = console.log,
): Promise<number> {
  const r = loadConfig(settings, { strict: true });
  out(`models:      ${settings.modelsPath}`);
  out(`credentials: ${settings.credentialsPath} [${settings.profile}]`);
  for (const w of r.warnings) out(`warning: ${w}`);
  if (!r.config) {
    out(`${r.problems.length} problem(s):`);
    for (const p of r.problems) out(`  - ${formatProblem(p)}`);
    return 1;
  }
  const c = r.config;
  out(`mode:        ${c.testMode ? "TEST_MODE (no OCI calls)" : `OCI (${settings.ociAuth})`}`);
  for (const a of c.aliases.values()) {
    const names = a.names ? `  names: ${a.names.join(", ")}` : "";
    out(`  ok  ${a.alias.padEnd(24)} ${a.type.padEnd(6)} ${a.region.padEnd(18)} ${a.id}${names}`);
  }
  out(`configuration OK: ${c.aliases.size} alias(es)`);
  return opts.online ? runOnlineChecks(settings, c, out) : 0;
}
