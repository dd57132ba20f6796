/**
 * Child processes of the bench: every one is tracked by pid and stopped by pid, at the end, on an
 * error, on SIGINT/SIGTERM and from a hard deadline. Also /proc readers (CPU ticks, RSS).
 */

import { existsSync, readFileSync } from "node:fs";
import { type Subprocess, spawnSync } from "bun";

export interface Child {
  name: string;
  pid: number;
  proc: Subprocess;
  output(): string;
  /** Resolves with the first match of `re` in the output, or throws after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  stop(): Promise<void>;
}

const live = new Map<number, Child>();

export const hasTaskset = (() => {
  try {
    return spawnSync(["taskset", "-c", "0", "true"]).exitCode === 0;
  } catch {
    return false;
  }
})();

/** Pins this process (all its threads) to `cpu`; later threads inherit it. */
export function pinSelf(cpu: number): boolean {
  if (!hasTaskset) return false;
  return (
    spawnSync(["taskset", "-a", "-p", "-c", String(cpu), String(process.pid)], { stdout: "ignore", stderr: "ignore" })
      .exitCode === 0
  );
}

export interface SpawnOptions {
  env: Record<string, string>;
  cwd?: string;
  /** Pin to this CPU with taskset (exec'd, so the pid is the program's own). */
  cpu?: number;
  /** stderr to this file instead of the captured output (e.g. a gateway's log lines). */
  stderrFile?: string;
}

export function spawnTracked(name: string, cmd: string[], o: SpawnOptions): Child {
  const argv = o.cpu !== undefined && hasTaskset ? ["taskset", "-c", String(o.cpu), ...cmd] : cmd;
  const proc = Bun.spawn(argv, {
    cwd: o.cwd,
    env: o.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: o.stderrFile ? Bun.file(o.stderrFile) : "pipe",
  });
  let out = "";
  const pump = async (s: ReadableStream<Uint8Array> | undefined) => {
    if (!s) return;
    const dec = new TextDecoder();
    try {
      for await (const c of s) if (out.length < 256 * 1024) out += dec.decode(c, { stream: true });
    } catch {
      // The child is gone.
    }
  };
  void pump(proc.stdout as ReadableStream<Uint8Array>);
  if (!o.stderrFile) void pump(proc.stderr as ReadableStream<Uint8Array>);
  const child: Child = {
    name,
    pid: proc.pid,
    proc,
    output: () => out,
    async waitFor(re, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const m = re.exec(out);
        if (m) return m;
        if (proc.exitCode !== null) break;
        await Bun.sleep(10);
      }
      throw new Error(
        `${name} (pid ${proc.pid}) did not print ${re} within ${timeoutMs} ms (exit ${proc.exitCode}):\n${out.slice(-2000)}`,
      );
    },
    async stop() {
      await stopPid(child);
    },
  };
  live.set(proc.pid, child);
  void proc.exited.then(() => live.delete(proc.pid));
  return child;
}

async function stopPid(c: Child): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode) return;
  try {
    process.kill(c.pid, "SIGTERM");
  } catch {
    return;
  }
  const killer = setTimeout(() => {
    try {
      process.kill(c.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }, 2000);
  await c.proc.exited;
  clearTimeout(killer);
  live.delete(c.pid);
}

/** Stops every child still running (by pid), gracefully then by force. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live.values()].map(stopPid));
}

/** Last resort on exit: SIGKILL every tracked pid that is still alive. */
export function killAllSync(): void {
  for (const c of live.values()) {
    if (c.proc.exitCode !== null) continue;
    try {
      process.kill(c.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

export function liveChildren(): string[] {
  return [...live.values()].map((c) => `${c.name}:${c.pid}`);
}

/** utime + stime of the whole process (all threads), in clock ticks. */
export function cpuTicks(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

/** Ticks of a process and of its direct children (a supervisor and its workers). */
export function treeTicks(pid: number): number {
  let t = cpuTicks(pid);
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
  } catch {
    // No children file (old kernel): the supervisor alone.
  }
  for (const c of children) {
    try {
      t += cpuTicks(Number(c));
    } catch {
      // Exited meanwhile.
    }
  }
  return t;
}

export const CLK_TCK = (() => {
  try {
    const r = spawnSync(["getconf", "CLK_TCK"]);
    const n = Number(r.stdout.toString().trim());
    return n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** Resident set size in bytes (VmRSS), and the high-water mark (VmHWM). */
export function rss(pid: number): { rss: number; hwm: number; anon: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(s)?.[1] ?? NaN) * 1024;
  // anon: what the process allocated; the rest of RSS is file-backed (the executable's pages).
  return { rss: kb("VmRSS"), hwm: kb("VmHWM"), anon: kb("RssAnon") };
}

export function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) if (dir && existsSync(`${dir}/${cmd}`)) return `${dir}/${cmd}`;
  return undefined;
}

/** Busy ticks of the whole machine (all CPUs), from /proc/stat. */
export function machineBusyTicks(): number {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!;
}

/** Ticks of this process, its reaped children, and every tracked child still running. */
function ourTicks(): number {
  const s = readFileSync(`/proc/${process.pid}/stat`, "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  let t = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  for (const c of live.values()) {
    try {
      t += cpuTicks(c.pid);
    } catch {
      // Exited meanwhile: counted in cutime once reaped.
    }
  }
  return t;
}

/**
 * Measures the CPU that processes other than the bench's used meanwhile (other work on a shared
 * machine disturbs the figures): `const stop = foreignLoad(); ...; stop()` → % of one core.
 */
export function foreignLoad(): () => number {
  const m0 = machineBusyTicks();
  const o0 = ourTicks();
  const t0 = performance.now();
  return () => {
    const foreign = machineBusyTicks() - m0 - (ourTicks() - o0);
    const seconds = (performance.now() - t0) / 1000;
    return Math.max(0, (100 * foreign) / CLK_TCK / seconds);
  };
}

/**
 * Runs a bench tool's `main`: every child it started is stopped by pid when it ends, fails or
 * overruns `deadlineMs` (then it exits 1 at once).
 */
export function runTool(name: string, main: () => Promise<void>, deadlineMs: number): void {
  process.on("exit", killAllSync);
  const deadline = setTimeout(() => {
    console.error(`${name}: deadline reached`);
    killAllSync();
    process.exit(1);
  }, deadlineMs);
  main()
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    })
    .finally(async () => {
      clearTimeout(deadline);
      await stopAll();
    });
}
