import { chmodSync, chownSync, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { ENV_KEY_PREFIX, KEY_NAME_PATTERN, MAX_KEY_LIMIT, parseApiKeys } from "../config/api-keys";
import { flagValue, UsageError } from "../config/flags";
import type { Settings } from "../config/settings";
import { formatProblem } from "../config/types";
import { sha256Hex } from "../lib/sha256";

const LIMIT_FLAGS = {
  "--rpm": "rpm",
  "--tpm": "tpm",
  "--daily-tokens": "daily_tokens",
  "--max-concurrent": "max_concurrent",
} as const;

/**
 * `ocigenai keys new NAME [--models a,b*] [--rpm N] [--tpm N] [--daily-tokens N]
 * [--max-concurrent N] [--admin] [--write]`: makes a random key, prints it once with the entry
 * for api_keys.json (which keeps only its SHA-256), and with --write adds the entry to the file
 * (a running gateway picks it up; docs/teams-and-quotas.md#keys).
 */
export function runKeys(settings: Settings, rest: string[], out: (line: string) => void = console.log): number {
  const [verb, name, ...flags] = rest;
  if (verb !== "new") throw new UsageError(`keys: the only command is 'keys new NAME', got '${verb ?? ""}'`);
  if (!name || name.startsWith("-")) throw new UsageError("keys new needs a NAME");
  if (!KEY_NAME_PATTERN.test(name) || name.startsWith(ENV_KEY_PREFIX)) {
    throw new UsageError(
      `'${name}' is not a key name: letters, digits, '.', '_', ':' and '-' (max 64), starting with a letter or digit, not '${ENV_KEY_PREFIX}…'`,
    );
  }
  const entry: Record<string, unknown> = {};
  let write = false;
  for (let i = 0; i < flags.length; i++) {
    const [flag, inline] = flags[i]!.includes("=") ? flags[i]!.split(/=(.*)/s, 2) : [flags[i]!, undefined];
    const value = () => flagValue(flag, inline ?? flags[++i]);
    if (flag === "--write") write = true;
    else if (flag === "--admin") entry.admin = true;
    else if (flag === "--models")
      entry.models = value()
        .split(",")
        .map((m) => m.trim())
        .filter(Boolean);
    else if (flag! in LIMIT_FLAGS) {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > MAX_KEY_LIMIT)
        throw new UsageError(`${flag} must be a whole number from 1 to ${MAX_KEY_LIMIT}, got '${v}'`);
      entry[LIMIT_FLAGS[flag as keyof typeof LIMIT_FLAGS]] = Number(v);
    } else throw new UsageError(`keys new: unknown argument '${flags[i]}'`);
  }
  // A name the file has already would, pasted or written, replace that team's key.
  const file = readKeysFile(settings.keysPath);
  if ("doc" in file && Object.hasOwn(file.doc, name)) {
    out(`${settings.keysPath}: a key named '${name}' exists already; no key made`);
    return 2;
  }
  const key = `ocg_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")}`;
  const record = { sha256: sha256Hex(key), ...entry };
  if (!write) {
    showKey(key, out);
    out(`entry for ${settings.keysPath}:`);
    out(JSON.stringify({ [name]: record }, null, 2));
    return 0;
  }
  if ("problem" in file) {
    out(`${settings.keysPath}: ${file.problem}; nothing written`);
    return 2;
  }
  // Written first: a key is shown only once it is in the file, never for a write that failed.
  const code = addToFile(settings.keysPath, file.doc, name, record, out);
  if (code === 0) showKey(key, out);
  return code;
}

/** api_keys.json as it stands: empty when there is none, or what keeps it from taking a key. */
function readKeysFile(path: string): { doc: Record<string, unknown> } | { problem: string } {
  if (!existsSync(path)) return { doc: {} };
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    return { problem: `not valid JSON (${(e as Error).message})` };
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    return { problem: "top level is not an object of key names" };
  return { doc: doc as Record<string, unknown> };
}

function showKey(key: string, out: (line: string) => void): void {
  out(`key: ${key}`);
  out("(shown this once: only its SHA-256 is kept; give it to the team now)");
}

function addToFile(
  path: string,
  doc: Record<string, unknown>,
  name: string,
  record: object,
  out: (line: string) => void,
): number {
  doc[name] = record;
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  const problems = parseApiKeys(text, path).problems;
  if (problems.length) {
    for (const p of problems) out(formatProblem(p));
    out("nothing written");
    return 2;
  }
  // Written beside and renamed over, as an editor would: the gateway never reads half a file. An
  // existing file keeps its mode and owner (a root shell adding a key must not leave the file
  // unreadable to the service's user); a new one is private to whoever made it.
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const before = existsSync(path) ? statSync(path) : undefined;
    writeFileSync(tmp, text, { mode: before ? before.mode & 0o777 : 0o600 });
    if (before) {
      chmodSync(tmp, before.mode & 0o777);
      try {
        chownSync(tmp, before.uid, before.gid);
      } catch {
        // Not root: the file is this user's, as any edit of it by this user would leave it.
      }
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    out(`${path}: cannot write (${(e as Error).message}); nothing written`);
    return 2;
  }
  out(`added key '${name}' to ${path}`);
  return 0;
}
