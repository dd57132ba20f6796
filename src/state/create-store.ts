import { isAbsolute, join, resolve } from "node:path";
import { MemorySessionStore } from "./memory";
import { RedisSessionStore } from "./redis";
import { SqliteSessionStore } from "./sqlite";
import type { StateStore } from "./types";

export const DEFAULT_SQLITE_FILE = "ocigenai-sessions.db";

export type SessionStoreSpec = { kind: "memory" } | { kind: "sqlite"; path: string } | { kind: "redis"; url: string };

export interface CreateStateStoreOptions {
  /** Relative `sqlite:` paths, and the default file, live here. */
  configDir: string;
  /** Told when the store is not what was asked for (SQLite unusable → memory) or Redis is down at startup. */
  warn(message: string): void;
  /** Told of what the store does on its own that an operator may want to see (SQLite's checkpoint thread). */
  info?(message: string): void;
  /**
   * This process is one of several sharing the store (a worker of `--workers N`): SQLite that
   * cannot be used is an error, not a memory store of its own that would count quotas apart.
   */
  shared?: boolean;
  /** The SQLite file open is no longer at its path (sqlite.ts, onFileLost). */
  onFileLost?(why: string): void;
}

const ACCEPTED = "memory, sqlite:PATH, redis://[user:password@]host:port[/db] or rediss://…";

/** Reads SESSION_STORE; undefined or blank means SQLite in the config directory. */
export function parseSessionStoreSpec(spec: string | undefined, configDir: string): SessionStoreSpec {
  const s = spec?.trim() ?? "";
  if (s === "") return { kind: "sqlite", path: join(configDir, DEFAULT_SQLITE_FILE) };
  if (s === "memory") return { kind: "memory" };
  if (s.startsWith("sqlite:")) {
    const path = s.slice("sqlite:".length).trim();
    if (path === "")
      throw new Error(
        `SESSION_STORE 'sqlite:' needs a file path, e.g. sqlite:${DEFAULT_SQLITE_FILE} (accepted: ${ACCEPTED})`,
      );
    return { kind: "sqlite", path: isAbsolute(path) ? path : resolve(configDir, path) };
  }
  if (/^rediss?:\/\//i.test(s)) {
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      throw new Error(`SESSION_STORE is not a valid Redis URL: '${redact(s)}' (accepted: ${ACCEPTED})`);
    }
    if (url.hostname === "")
      throw new Error(`SESSION_STORE Redis URL has no host: '${redact(s)}' (accepted: ${ACCEPTED})`);
    return { kind: "redis", url: s };
  }
  throw new Error(`SESSION_STORE '${redact(s)}' is not understood; accepted: ${ACCEPTED}`);
}

/**
 * The state store (agent sessions and stored responses) SESSION_STORE asks for. SQLite that
 * cannot be opened or written (read-only directory, a path through a regular file, a corrupt
 * file) falls back to memory with a warning: agents and responses keep working, but sessions and
 * stored responses are forgotten on restart. Redis is never replaced: if it is down at startup the
 * store is returned anyway (with a warning) and requests get 503 until it is back. A malformed
 * spec throws.
 */
export async function createStateStore(spec: string | undefined, opts: CreateStateStoreOptions): Promise<StateStore> {
  const parsed = parseSessionStoreSpec(spec, opts.configDir);
  switch (parsed.kind) {
    case "memory":
      return new MemorySessionStore();
    case "sqlite":
      try {
        return SqliteSessionStore.open(parsed.path, {
          checkpoints: { warn: opts.warn, info: opts.info },
          onFileLost: opts.onFileLost,
        });
      } catch (e) {
        if (opts.shared)
          throw new Error(
            `cannot use the SQLite file ${parsed.path} the other workers share (${(e as Error).message})`,
          );
        opts.warn(
          `session store: cannot use SQLite file ${parsed.path} (${(e as Error).message}); keeping agent sessions and stored responses in memory, so they are lost on restart. Set SESSION_STORE to a writable sqlite:PATH, or to memory to silence this warning.`,
        );
        return new MemorySessionStore();
      }
    case "redis": {
      const store = new RedisSessionStore(parsed.url);
      try {
        await store.ping();
      } catch (e) {
        opts.warn(
          `session store: Redis at ${redact(parsed.url)} does not answer yet (${(e as Error).message}); agent requests and stored responses get 503 until it does.`,
        );
      }
      return store;
    }
    default: {
      const never: never = parsed;
      throw new Error(`unknown session store ${JSON.stringify(never)}`);
    }
  }
}

/** A URL fit for logs: no password. */
function redact(s: string): string {
  return s.replace(
    /^(rediss?:\/\/)([^@/]*)@/i,
    (_, scheme: string, auth: string) => `${scheme}${auth.includes(":") ? `${auth.split(":")[0]}:***` : "***"}@`,
  );
}
