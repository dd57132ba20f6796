/**
 * One closed-loop `wrk` run posting a body file through bench/wrk-post.lua, tracked like every
 * child of the bench: answers its 2xx requests, errors, req/s and p99.
 */
import { join } from "node:path";
import { spawnTracked } from "./procs";

const LUA = join(import.meta.dir, "..", "wrk-post.lua");

export interface WrkRun {
  url: string;
  bodyFile: string;
  key: string;
  threads: number;
  conns: number;
  seconds: number;
  env: Record<string, string>;
  /** The wrk executable (default: `wrk` on PATH). */
  bin?: string;
  /** Put before the command, e.g. `taskset -c 0-1`. */
  prefix?: string[];
  cpu?: number;
}

export async function runWrk(
  name: string,
  o: WrkRun,
): Promise<{ requests: number; errors: number; rps: number; p99Ms: number }> {
  const w = spawnTracked(
    name,
    [...(o.prefix ?? []), o.bin ?? "wrk", `-t${o.threads}`, `-c${o.conns}`, `-d${o.seconds}s`, "-s", LUA, o.url],
    { env: { ...o.env, WRK_BODY_FILE: o.bodyFile, WRK_API_KEY: o.key }, cpu: o.cpu },
  );
  const m = await w.waitFor(/WRK_JSON (\{.*\})/, (o.seconds + 15) * 1000);
  await w.stop();
  const j = JSON.parse(m[1]!) as {
    requests: number;
    duration_us: number;
    status_errors: number;
    socket_errors: number;
    p99_us: number;
  };
  const requests = j.requests - j.status_errors;
  return {
    requests,
    errors: j.status_errors + j.socket_errors,
    rps: requests / (j.duration_us / 1e6),
    p99Ms: j.p99_us / 1000,
  };
}
