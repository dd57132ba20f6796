import type { LoadedConfig } from "../config/load";
import type { Settings } from "../config/settings";
import { NAME, VERSION } from "../version";

/** The one start-up line (docs/configuration.md#start-up). */
export function banner(s: Settings, c: LoadedConfig, port: number): string {
  const host = s.host.includes(":") ? `[${s.host}]` : s.host;
  const mode = c.testMode ? "TEST_MODE" : "OCI";
  const n = c.keys.size;
  const auth = n > 0 ? `on (${n} key${n > 1 ? "s" : ""})` : "off (loopback only)";
  return `${NAME} ${VERSION} listening on http://${host}:${port} mode=${mode} aliases=${c.aliases.size} [${[...c.aliases.keys()].join(", ")}] auth=${auth}`;
}
