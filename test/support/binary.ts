/**
 * The compiled executable for the tests, built once per run and shared by every test process
 * (`bun test --parallel` runs files in several workers), and directories that lay the binary out
 * with its config side by side.
 *
 * The build goes to a cache in the temp dir, never to a developer's dist/. Its name is a hash of
 * what the binary is made of (src/, build.ts, package.json, the lock file, tsconfig.json, bunfig
 * and Bun's version), so an edit anywhere there builds a new one and an unchanged tree reuses it.
 * Concurrent workers never race: one takes a lock (an atomic mkdir), builds into a private file
 * and renames it into place (atomic on one filesystem); the others wait until the finished file
 * appears. A lock whose owner died, or that is older than a build can take, is broken.
 */
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { BUN, REPO, tempDir, testModels } from "./gateway";

/** Shared by every test process of every run on this machine. */
export const BINARY_CACHE = join(tmpdir(), "ocigenai-test-binary");
/** Longer than any build takes: a lock this old is left over from a killed run. */
const STALE_LOCK_MS = 120_000;
/** Other cached binaries untouched this long are removed (a run touches the one it uses). */
const PRUNE_AFTER_MS = 30 * 60_000;
const WAIT_FOR_BUILD_MS = 180_000;
/**
 * Timeout for a hook that gets the binary: hooks do not take bunfig's test timeout (their default
 * is 5 s), and with parallel workers the first one may wait for another worker's build.
 */
export const BINARY_SETUP_TIMEOUT_MS = 120_000;

let built: Promise<string> | undefined;

export function compiledBinary(): Promise<string> {
  built ??= obtainBinary().catch((e) => {
    built = undefined; // a later call may try again
    throw e;
  });
  return built;
}

/** Hash of every input of the build (paths and contents), plus Bun's version and the target. */
export function buildKey(): string {
  const h = createHash("sha256");
  h.update(`bun ${Bun.version} ${Bun.revision}\0target ${process.env.OCIGENAI_TARGET ?? ""}\0`);
  const files = [
    ...listFiles(join(REPO, "src")),
    ...["build.ts", "package.json", "package-lock.json", "bun.lock", "tsconfig.json", "bunfig.toml"]
      .map((f) => join(REPO, f))
      .filter((f) => existsSync(f)),
  ];
  for (const f of files) {
    h.update(`${relative(REPO, f)}\0`);
    h.update(readFileSync(f));
    h.update("\0");
  }
  return h.digest("hex").slice(0, 24);
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

async function obtainBinary(): Promise<string> {
  mkdirSync(BINARY_CACHE, { recursive: true });
  const key = buildKey();
  const bin = join(BINARY_CACHE, `ocigenai-${key}`);
  const lock = `${bin}.lock`;
  const deadline = Date.now() + WAIT_FOR_BUILD_MS;
  for (;;) {
    if (existsSync(bin)) {
      touch(bin);
      return bin;
    }
    if (tryLock(lock)) {
      try {
        if (existsSync(bin)) continue; // finished by another process between the check and the lock
        await build(bin);
        prune(bin);
        return bin;
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
    }
    if (Date.now() > deadline) throw new Error(`no test binary after ${WAIT_FOR_BUILD_MS / 1000} s (lock ${lock})`);
    await Bun.sleep(100); // another process is building it
  }
}

/** Takes the lock (mkdir is atomic), or breaks it when its owner is gone; false while another holds it. */
function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    writeFileSync(join(lock, "owner"), `${process.pid}`);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  if (lockIsStale(lock)) rmSync(lock, { recursive: true, force: true });
  return false;
}

function lockIsStale(lock: string): boolean {
  try {
    if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) return true;
    const pid = Number(readFileSync(join(lock, "owner"), "utf8"));
    if (!(pid > 0)) return false; // the owner has not written its pid yet
    process.kill(pid, 0);
    return false;
  } catch (e) {
    // ESRCH: the owner is gone. ENOENT: the lock (or its owner file) vanished meanwhile.
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

async function build(bin: string): Promise<void> {
  const partial = `${bin}.partial-${process.pid}`;
  try {
    const p = Bun.spawn([BUN, "run", "build.ts"], {
      cwd: REPO,
      env: { ...process.env, OCIGENAI_OUTFILE: partial },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, out, err] = await Promise.all([
      p.exited,
      new Response(p.stdout).text(),
      new Response(p.stderr).text(),
    ]);
    if (code !== 0) throw new Error(`build failed (${code}): ${err}${out}`);
    renameSync(partial, bin);
  } finally {
    rmSync(partial, { force: true });
  }
}

function touch(path: string): void {
  try {
    const now = new Date();
    utimesSync(path, now, now);
  } catch {
    // pruned meanwhile: the caller's hard links keep working
  }
}

/** Removes other builds nobody used lately (binaries, and partial files of killed builds). */
function prune(keep: string): void {
  for (const name of readdirSync(BINARY_CACHE)) {
    const p = join(BINARY_CACHE, name);
    if (p === keep || name.endsWith(".lock")) continue;
    try {
      if (Date.now() - statSync(p).mtimeMs > PRUNE_AFTER_MS) rmSync(p, { force: true });
    } catch {
      // gone already
    }
  }
}

/** A fresh directory holding the binary (hard link, or a copy across filesystems) and config files. */
export async function binaryDir(
  files: { models?: unknown; credentials?: string; extra?: Record<string, string> } = {},
): Promise<{ dir: string; bin: string }> {
  const src = await compiledBinary();
  const dir = tempDir("ocigenai-deploy-");
  const bin = join(dir, "ocigenai");
  try {
    linkSync(src, bin);
  } catch {
    copyFileSync(src, bin);
  }
  if (files.models !== null)
    writeFileSync(
      join(dir, "llm_models.json"),
      typeof files.models === "string" ? files.models : JSON.stringify(files.models ?? testModels(), null, 2),
    );
  if (files.credentials !== undefined) writeFileSync(join(dir, "credentials.conf"), files.credentials);
  for (const [name, text] of Object.entries(files.extra ?? {})) writeFileSync(join(dir, name), text);
  return { dir, bin };
}
