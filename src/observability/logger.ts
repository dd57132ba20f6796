import { writeSync } from "node:fs";

export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * One JSON object per line on stderr (stdout stays free for the banner and `check` output).
 * Callers pass only safe fields: this logger never sees keys, signatures or prompt text.
 */
export function createLogger(level: LogLevel, write: (line: string) => void = stderrLines()): Logger {
  const min = RANK[level];
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[lvl] < min) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields }));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}

let shared: ((line: string) => void) | undefined;

/**
 * The process's stderr, written once per turn of the event loop: the lines logged meanwhile go
 * out together in one write. Under load that is one write for many access-log lines instead of
 * one each (a write cost ~24 µs per request at LOG_LEVEL=info, BENCHMARKS.md); at a light load a
 * line still leaves in the same turn. Whatever is pending when the process exits is written then,
 * synchronously, so `process.exit` after a log call loses nothing.
 */
export function stderrLines(): (line: string) => void {
  if (shared) return shared;
  let pending: string[] = [];
  const take = () => {
    const out = `${pending.join("\n")}\n`;
    pending = [];
    return out;
  };
  const flush = () => {
    if (pending.length > 0) process.stderr.write(take());
  };
  process.on("exit", () => {
    if (pending.length > 0) writeSync(2, take());
  });
  shared = (line) => {
    if (pending.push(line) === 1) setImmediate(flush);
  };
  return shared;
}
