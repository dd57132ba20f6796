import { existsSync, type FSWatcher, statSync, watch } from "node:fs";
import { basename, dirname } from "node:path";
import type { Logger } from "../observability/logger";
import { type LoadedConfig, loadConfig } from "./load";
import type { Settings } from "./settings";
import { formatProblem } from "./types";

/**
 * How long after start-up the file watchers start: creating the first one loads node:fs's watch
 * machinery (~3 ms), which would otherwise delay the first answer (docs/architecture.md#start-up-what-loads-when).
 */
export const WATCH_DELAY_MS = 250;

/**
 * Holds the config in force. Reloads replace it whole when the new files are valid; a broken edit
 * is logged and the last good config stays, so a typo never takes the gateway down.
 */
export class ConfigStore {
  private readonly watchers: FSWatcher[] = [];
  private debounce?: ReturnType<typeof setTimeout>;
  private starting?: ReturnType<typeof setTimeout>;
  /** The watched files as they were when this config was loaded, to see an edit made before the watchers start. */
  private loadedFiles: string;
  /**
   * api_keys.json was in force: from then on its disappearing is a broken edit, not "no team
   * keys" — which would serve loopback callers (everyone, behind a local proxy) without a key.
   */
  private keysFileInForce: boolean;
  private readonly reloaded: Array<(next: LoadedConfig) => void> = [];

  constructor(
    private config: LoadedConfig,
    private readonly settings: Settings,
    private readonly log: Logger,
  ) {
    this.loadedFiles = this.filesState();
    this.keysFileInForce = existsSync(settings.keysPath);
  }

  get current(): LoadedConfig {
    return this.config;
  }

  reload(reason: string): boolean {
    this.loadedFiles = this.filesState();
    const r = loadConfig(this.settings, { keysFileRequired: this.keysFileInForce });
    if (!r.config) {
      this.log.error("config reload rejected; keeping the last good config", {
        reason,
        problems: r.problems.map(formatProblem),
      });
      return false;
    }
    // TEST_MODE is decided at start-up: the transport cannot change under running requests.
    this.config = { ...r.config, testMode: this.config.testMode };
    this.keysFileInForce ||= existsSync(this.settings.keysPath);
    this.log.info("config reloaded", { reason, aliases: [...r.config.aliases.keys()], keys: r.config.keys.size });
    for (const listener of this.reloaded) listener(this.config);
    return true;
  }

  /** Hears each reload that took effect (a new signing key, say). */
  onReload(listener: (next: LoadedConfig) => void): void {
    this.reloaded.push(listener);
  }

  /**
   * Reloads on SIGHUP at once, and on changes to the models file and api_keys.json once the
   * watchers start, `delayMs` later; an edit made before then is seen when they start.
   */
  watch(delayMs = WATCH_DELAY_MS): void {
    process.on("SIGHUP", () => this.reload("SIGHUP"));
    this.starting = setTimeout(() => {
      this.starting = undefined;
      this.watchFiles();
      if (this.filesState() !== this.loadedFiles) this.reload("config files changed during start-up");
    }, delayMs);
    this.starting.unref();
  }

  /** Watches the files' directories: editors replace files by rename, so the directory is what sees it. */
  private watchFiles(): void {
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
  }

  /** Size, modification time and inode of each watched file ("-" when absent). */
  private filesState(): string {
    return [this.settings.modelsPath, this.settings.keysPath]
      .map((path) => {
        try {
          const s = statSync(path);
          return `${s.ino}:${s.size}:${s.mtimeMs}`;
        } catch {
          return "-";
        }
      })
      .join("|");
  }

  close(): void {
    clearTimeout(this.starting);
    clearTimeout(this.debounce);
    for (const w of this.watchers) w.close();
  }
}
