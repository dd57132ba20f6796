import { type FSWatcher, watch } from "node:fs";
import { basename, dirname } from "node:path";
import type { Logger } from "../observability/logger";
import { type LoadedConfig, loadConfig } from "./load";
import type { Settings } from "./settings";
import { formatProblem } from "./types";

/**
 * Holds the config in force. Reloads replace it whole when the new files are valid; a broken edit
 * is logged and the last good config stays, so a typo never takes the gateway down.
 */
export class ConfigStore {
  private watcher?: FSWatcher;
  private debounce?: ReturnType<typeof setTimeout>;

  constructor(
    private config: LoadedConfig,
    private readonly settings: Settings,
    private readonly log: Logger,
  ) {}

  get current(): LoadedConfig {
    return this.config;
  }

  reload(reason: string): boolean {
    const r = loadConfig(this.settings);
    if (!r.config) {
      this.log.error("config reload rejected; keeping the last good config", {
        reason,
        problems: r.problems.map(formatProblem),
      });
      return false;
    }
    // TEST_MODE is decided at start-up: the transport cannot change under running requests.
    this.config = { ...r.config, testMode: this.config.testMode };
    this.log.info("config reloaded", { reason, aliases: [...r.config.aliases.keys()] });
    return true;
  }

  /** Watches the models file's directory (editors replace files by rename) and SIGHUP. */
  watch(): void {
    const file = basename(this.settings.modelsPath);
    try {
      this.watcher = watch(dirname(this.settings.modelsPath), (_event, name) => {
        if (name !== file) return;
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => this.reload("file changed"), 150);
      });
    } catch (e) {
      this.log.warn("cannot watch the models file; use SIGHUP to reload", { error: (e as Error).message });
    }
    process.on("SIGHUP", () => this.reload("SIGHUP"));
  }

  close(): void {
    clearTimeout(this.debounce);
    this.watcher?.close();
  }
}
