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
  private readonly watchers: FSWatcher[] = [];
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
    this.log.info("config reloaded", { reason, aliases: [...r.config.aliases.keys()], keys: r.config.keys.size });
    return true;
  }

  /**
   * Watches the directories of the models file and of api_keys.json (editors replace files by
   * rename, so the directory is what sees it) and SIGHUP.
   */
  watch(): void {
    const byDir = new Map<string, Set<string>>();
    for (const path of [this.settings.modelsPath, this.settings.keysPath]) {
      const names = byDir.get(dirname(path)) ?? new Set<string>();
      names.add(basename(path));
      byDir.set(dirname(path), names);
    }
    for (const [dir, names] of byDir) {
      try {
        this.watchers.push(
          watch(dir, (_event, name) => {
            if (name === null || !names.has(name)) return;
            clearTimeout(this.debounce);
            this.debounce = setTimeout(() => this.reload(`${name} changed`), 150);
          }),
        );
      } catch (e) {
        this.log.warn("cannot watch the config files; use SIGHUP to reload", { dir, error: (e as Error).message });
      }
    }
    process.on("SIGHUP", () => this.reload("SIGHUP"));
  }

  close(): void {
    clearTimeout(this.debounce);
    for (const w of this.watchers) w.close();
  }
}
