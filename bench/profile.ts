/**
 * CPU profile of the gateway on its real path, under the bench's load (a compiled binary can't be
 * profiled easily, so this runs the source with `bun --cpu-prof`, pinned like the bench's L3):
 *
 *   bun bench/profile.ts [--src DIR] [--seconds N] [--out DIR]
 *
 * DIR is a checkout to profile (default: this repo). Load: open loop at 200 req/s (small body),
 * then closed loop (small, then ~100 KB bodies), then streams — all against the lean mock.
 * Writes the .cpuprofile (open it in Chrome DevTools) and prints the hot spots: self time per
 * function, and inclusive time per function of our own code (src/…), as file:function.
 * `--arm l2` profiles the signed floor (bench/proxy-bare.ts --sign) under the same load instead;
 * `--load small|large|stream` runs one kind of load only; `--startup` profiles start-up to the
 * first 200 instead (the gateway bundled as the binary bundles it, 5 runs); `--log-level info`
 * profiles with the access log on; `--family responses` (or `messages`) sends the same load to
 * /v1/responses (or /v1/messages); `--store` with it keeps the responses (`store: true`) in the
 * store the gateway ships with (SQLite in its config directory) instead of `store: false` on memory;
 * `--size 10k|1m` sends the same conversation at ~10 KB or ~1 MB as the large load.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, relative, resolve } from "node:path";
import { makeTestCredentials } from "../test/support/keys";
import { type AnySize, chatBody, messagesBody, responsesBody, SIZES } from "./lib/bodies";
import { benchConfigDir } from "./lib/config-dir";
import { serveArgs } from "./lib/gateway";
import { closedLoop, openLoop, streamLoad } from "./lib/load";
import { killAllSync, pinSelf, spawnTracked, stopAll } from "./lib/procs";

const argv = process.argv.slice(2);
const flag = (n: string) => (argv.indexOf(n) >= 0 ? argv[argv.indexOf(n) + 1] : undefined);
const BENCH = import.meta.dir;
const SRC = resolve(flag("--src") ?? join(BENCH, ".."));
const SECONDS = Number(flag("--seconds") ?? 8);
const OUT = resolve(flag("--out") ?? join(BENCH, "results"));
const BUN = process.execPath;
/** gateway (default) or l2: the same load against the signed floor, for comparison. */
const ARM = flag("--arm") ?? "gateway";
/** mixed (default), small, large or stream: which load runs while profiling. */
const LOAD = flag("--load") ?? "mixed";
/** The gateway's LOG_LEVEL while profiled (warn, as in the bench's L3; info shows the access log's cost). */
const LOG_LEVEL = flag("--log-level") ?? "warn";
/** Profile start-up (to the first 200) of the bundled gateway instead of a load. */
const STARTUP = argv.includes("--startup");
/** chat (default), responses or messages: which API family the gateway's load goes to. */
const FAMILY = flag("--family") ?? "chat";
/** Responses kept (`store: true`) in the default store. */
const STORE = argv.includes("--store");
if (STORE && FAMILY !== "responses") throw new Error("--store goes with --family responses");
/** The body of the "large" load: the bench's ~100 KB (large), or the same conversation at 10k or 1m. */
const LARGE = (flag("--size") ?? "large") as AnySize;
if (!SIZES.includes(LARGE) || LARGE === "small") throw new Error("--size must be 10k, large or 1m");
const FAMILIES = {
  chat: { path: "chat/completions", body: chatBody, dialect: "openai" },
  responses: {
    path: "responses",
    body: (size: AnySize, model: string, stream = false) => responsesBody(size, model, stream, STORE),
    dialect: "responses",
  },
  messages: { path: "messages", body: messagesBody, dialect: "anthropic" },
} as const;
if (!(FAMILY in FAMILIES)) throw new Error(`--family must be chat, responses or messages, not ${FAMILY}`);
const family = FAMILIES[FAMILY as keyof typeof FAMILIES];
const body = family.body;
const API_KEY = "bench-key";

const deadline = setTimeout(
  () => {
    console.error("profile: deadline reached");
    killAllSync();
    process.exit(1);
  },
  (SECONDS * 4 + 120) * 1000,
);
process.on("exit", killAllSync);
for (const sig of ["SIGINT", "SIGTERM"] as const)
  process.on(sig, () => {
    killAllSync();
    process.exit(130);
  });

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

async function main() {
  const pinned = cpus().length >= 2 && pinSelf(1);
  const dir = benchConfigDir("ocigenai-prof-");
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir };
  const mock = spawnTracked("mock", [BUN, join(BENCH, "mock-oci.ts")], { env, cpu: pinned ? 1 : undefined });
  const mockUrl = `http://127.0.0.1:${(await mock.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/, 10_000))[1]}`;
  const profDir = join(dir, "prof");
  mkdirSync(profDir);
  const creds = await makeTestCredentials(dir, { relativeKeyFile: true });
  const prof = [BUN, "--cpu-prof", `--cpu-prof-dir=${profDir}`, "--cpu-prof-md"];
  const cmd =
    ARM === "l2"
      ? [...prof, join(BENCH, "proxy-bare.ts"), "--sign"]
      : [...prof, join(SRC, "src/main.ts"), ...serveArgs(dir)];
  const gw = spawnTracked(ARM, cmd, {
    env: {
      ...env,
      API_KEY,
      OCI_INFERENCE_ENDPOINT: mockUrl,
      LOG_LEVEL,
      SESSION_STORE: STORE ? "" : "memory", // blank: the default, SQLite in the config directory
      UPSTREAM: mockUrl,
      KEY_FILE: creds.keyFile,
      KEY_ID: creds.keyId,
    },
    cwd: dir,
    cpu: pinned ? 0 : undefined,
    stderrFile: join(dir, "gateway.log"),
  });
  const port = (await gw.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/, 20_000))[1];
  const target = {
    url: `http://127.0.0.1:${port}/v1/${ARM === "l2" ? "chat/completions" : family.path}`,
    headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
  };
  const enc = new TextEncoder();
  const small = enc.encode(body("small", "bench"));
  const large = enc.encode(body(LARGE, "bench"));
  const mode = (m: object) => fetch(`${mockUrl}/__bench/mode`, { method: "POST", body: JSON.stringify(m) });

  await mode({ latencyMs: 0, sse: false });
  // Warm up with the same kind of request as the load, so per-request figures stay homogeneous.
  let requests: number;
  const streamBody = enc.encode(body("small", "bench", true));
  const dialect = ARM === "l2" ? "oci" : family.dialect;
  // A stream load saturates the proxy (events back to back, 400 streams/s): a sampling profile of a
  // mostly idle process would charge its waits to whatever frame was last on the stack.
  if (LOAD === "stream") {
    await mode({ latencyMs: 0, sse: true, events: 20, gapMs: 0 });
    requests = (await streamLoad(target, streamBody, dialect, 20, 100, 2)).length;
  } else requests = (await closedLoop(target, LOAD === "large" ? large : small, 4, 2)).requests;
  const done: string[] = [];
  if (LOAD === "mixed") {
    const ol = await openLoop(target, small, 200, SECONDS);
    requests += ol.sent;
    done.push(`open loop small ${ol.sent} (${ol.errors} errors)`);
  }
  if (LOAD === "mixed" || LOAD === "small") {
    const cs = await closedLoop(target, small, 16, SECONDS);
    requests += cs.requests;
    done.push(`closed small ${cs.requests} (${cs.errors})`);
  }
  if (LOAD === "mixed" || LOAD === "large") {
    const cl = await closedLoop(target, large, 16, LOAD === "large" ? SECONDS : SECONDS / 2);
    requests += cl.requests;
    done.push(`closed large ${cl.requests} (${cl.errors})`);
  }
  if (LOAD === "mixed" || LOAD === "stream") {
    await mode({ latencyMs: 0, sse: true, events: 20, gapMs: LOAD === "stream" ? 0 : 10 });
    const st = await streamLoad(
      target,
      streamBody,
      dialect,
      20,
      LOAD === "stream" ? 400 : 20,
      LOAD === "stream" ? SECONDS : SECONDS / 2,
    );
    requests += st.length;
    done.push(`streams ${st.length} (${st.filter((x) => !x.ok).length} failed)`);
  }
  console.error(`load (${LOAD}): ${done.join(", ")}`);

  await gw.stop(); // SIGTERM: the process exits, and Bun writes the profile
  await stopAll();
  const files = readdirSync(profDir);
  const cpuprofile = files.find((f) => f.endsWith(".cpuprofile"));
  if (!cpuprofile)
    throw new Error(
      `no profile written in ${profDir} (${files.join(", ")}); gateway log:\n${readFileSync(join(dir, "gateway.log"), "utf8").slice(-2000)}`,
    );
  mkdirSync(OUT, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const saved = join(OUT, `profile-${stamp}.cpuprofile`);
  writeFileSync(saved, readFileSync(join(profDir, cpuprofile)));
  const md = files.find((f) => f.endsWith(".md"));
  if (md) writeFileSync(join(OUT, `profile-${stamp}.md`), readFileSync(join(profDir, md)));
  const text = summarize(JSON.parse(readFileSync(saved, "utf8")) as Profile, false, requests);
  writeFileSync(join(OUT, `profile-${stamp}.summary.md`), text);
  console.log(text);
  console.error(`wrote ${saved}${md ? " (+ Bun's markdown profile)" : ""} and the summary beside it`);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Start-up: the gateway bundled as the binary bundles it (one file, no transpiling at run time),
 * started RUNS times under the profiler, each stopped once /health answered 200.
 */
async function startup() {
  const RUNS = 5;
  const dir = benchConfigDir("ocigenai-prof-");
  await makeTestCredentials(dir, { relativeKeyFile: true });
  // An out dir, not a file: the API reference UI's assets are separate outputs of the bundle.
  const outDir = join(dir, "bundle");
  const bundle = join(outDir, "main.js");
  const b = Bun.spawnSync([BUN, "build", join(SRC, "src/main.ts"), "--target", "bun", "--outdir", outDir], {
    cwd: SRC,
  });
  if (b.exitCode !== 0) throw new Error(`bundling failed: ${b.stderr}`);
  BUNDLE_MODULES.push(...bundleModules(readFileSync(bundle, "utf8")));
  BUNDLE_PATH = bundle;
  const pinned = cpus().length >= 2 && pinSelf(1);
  const profiles: Profile[] = [];
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const profDir = join(dir, `prof${i}`);
    mkdirSync(profDir);
    const t0 = performance.now();
    const gw = spawnTracked(
      "gateway",
      [BUN, "--cpu-prof", "--cpu-prof-interval=100", `--cpu-prof-dir=${profDir}`, bundle, ...serveArgs(dir)],
      {
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: dir,
          API_KEY,
          OCI_INFERENCE_ENDPOINT: "http://127.0.0.1:9",
          LOG_LEVEL: "warn",
          SESSION_STORE: "memory",
          // Preset, so the profile is of the server's start, not of a relaunch (server/launch.ts).
          BUN_CONFIG_MAX_HTTP_REQUESTS: "4096",
        },
        cwd: dir,
        cpu: pinned ? 0 : undefined,
        stderrFile: join(dir, "gateway.log"),
      },
    );
    const port = (await gw.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/, 20_000))[1];
    while (
      (await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.status,
        () => 0,
      )) !== 200
    )
      await Bun.sleep(1);
    times.push(performance.now() - t0);
    await gw.stop();
    const f = readdirSync(profDir).find((x) => x.endsWith(".cpuprofile"));
    if (!f) throw new Error(`no profile written in ${profDir}`);
    profiles.push(JSON.parse(readFileSync(join(profDir, f), "utf8")) as Profile);
  }
  mkdirSync(OUT, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  writeFileSync(join(OUT, `startup-profile-${stamp}.cpuprofile`), JSON.stringify(profiles[profiles.length - 1]));
  const text =
    `Start-up of the bundled gateway to the first 200, ${RUNS} runs under the profiler (100 µs sampling): ${times.map((t) => t.toFixed(0)).join(", ")} ms\n\n` +
    summarize(profiles, true);
  writeFileSync(join(OUT, `startup-profile-${stamp}.summary.md`), text);
  console.log(text);
  rmSync(dir, { recursive: true, force: true });
}

/** Module boundaries of a Bun bundle: its `// path` comment lines, in order. */
function bundleModules(text: string): { line: number; module: string }[] {
  const out: { line: number; module: string }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^\/\/ ((?:\.\.\/)*[\w@.\-/]+\.(?:js|mjs|cjs|ts|json))$/.exec(lines[i]!);
    if (m) out.push({ line: i, module: m[1]!.replace(/^(\.\.\/)+(work\/main\/|tmp\/[^/]+\/)?/, "") });
  }
  return out;
}
const BUNDLE_MODULES: { line: number; module: string }[] = [];
let BUNDLE_PATH = "";

function moduleAt(line: number): string {
  let lo = 0;
  let hi = BUNDLE_MODULES.length - 1;
  let found = "(bundle prologue)";
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (BUNDLE_MODULES[mid]!.line <= line) {
      found = BUNDLE_MODULES[mid]!.module;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** file:function keys; our code relative to the checkout, packages by name. */
function keyOf(n: Node): string {
  const { url, functionName, lineNumber } = n.callFrame;
  const fn = functionName || "(anonymous)";
  if (!url) return `[native] ${fn}`;
  let path = url.replace(/^file:\/\//, "");
  if (BUNDLE_PATH && path === BUNDLE_PATH) path = moduleAt(lineNumber);
  const nm = path.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = path.slice(nm + 13).split("/");
    const pkg = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
    return `${pkg}:${fn}`;
  }
  const rel = path.startsWith(SRC) ? relative(SRC, path) : path;
  return BUNDLE_PATH ? `${rel}:${fn}` : `${rel}:${fn}:${lineNumber + 1}`;
}

function summarize(input: Profile | Profile[], startupMode = false, requests = 0): string {
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const bucket = new Map<string, number>();
  const ourBucket = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  let _idle = 0;
  for (const p of Array.isArray(input) ? input : [input]) {
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    // Each sample stands for one sampling interval of busy time. (The gap to the next sample is no
    // measure: the sampler takes none while the thread idles, so gaps span idle time too.)
    const deltas = [...p.timeDeltas].filter((d) => d > 0).sort((a, b) => a - b);
    const interval = (deltas[Math.floor(deltas.length / 2)] ?? 1000) / 1000; // µs → ms
    for (let i = 0; i < p.samples.length; i++) {
      const dt = interval;
      const leaf = byId.get(p.samples[i]!)!;
      const lk = keyOf(leaf);
      if (leaf.callFrame.functionName === "(idle)" || leaf.callFrame.functionName === "(program)") {
        _idle += dt;
        continue;
      }
      total += dt;
      self.set(lk, (self.get(lk) ?? 0) + dt);
      const seen = new Set<string>();
      let ours: string | undefined;
      for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
        const k = keyOf(byId.get(id)!);
        if (!seen.has(k)) {
          seen.add(k);
          incl.set(k, (incl.get(k) ?? 0) + dt);
        }
        if (!ours && k.startsWith("src/")) ours = k;
      }
      // Native time (crypto, fetch, JSON) charged to the innermost JS frame that called it.
      let owner: string | undefined;
      for (let id: number | undefined = leaf.id; id !== undefined && !owner; id = parent.get(id)) {
        const n = byId.get(id)!;
        if (n.callFrame.url) owner = keyOf(n);
      }
      const b = owner ?? `[native, no JS caller] ${leaf.callFrame.functionName || "(anonymous)"}`;
      bucket.set(b, (bucket.get(b) ?? 0) + dt);
      if (ours) ourBucket.set(ours, (ourBucket.get(ours) ?? 0) + dt);
      const pkgs = new Set<string>();
      for (const k of seen)
        if (!k.startsWith("[native]")) pkgs.add(k.startsWith("src/") ? k.split(":")[0]! : k.split(":")[0]!);
      for (const k of pkgs) byPackage.set(k, (byPackage.get(k) ?? 0) + dt);
    }
  }
  const pct = (x: number) =>
    `${((100 * x) / total).toFixed(1)} %${requests ? ` | ${((1000 * x) / requests).toFixed(0)}` : ""}`;
  const RQ = requests ? " | µs per request" : "";
  const RQD = requests ? "|---" : "";
  const top = (m: Map<string, number>, n: number, f: (k: string) => boolean = () => true) =>
    [...m.entries()]
      .filter(([k]) => f(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n);
  const L: string[] = [];
  /** A ranked table under its heading: the top `n` of `m` (the keys `keep` accepts), in ms and share. */
  const table = (heading: string, column: string, m: Map<string, number>, n: number, keep?: (k: string) => boolean) => {
    L.push("", `### ${heading}`, "", `| # | ${column} | ms | share${RQ} |`, `|---|---|---|---${RQD}|`);
    top(m, n, keep).forEach(([k, v], i) => {
      L.push(`| ${i + 1} | ${k} | ${v.toFixed(0)} | ${pct(v)} |`);
    });
  };
  if (startupMode) {
    L.push(`## Where start-up time goes: ${total.toFixed(0)} ms of samples over the runs`);
    table(
      "Inclusive time per module or package (work under its frames, including what it requires)",
      "module / package",
      byPackage,
      30,
    );
    table("Self time by owner (innermost JS frame; native work charged to its caller)", "owner", bucket, 30);
    return `${L.join("\n")}\n`;
  }
  L.push(
    `## CPU profile of ${ARM === "l2" ? "the L2 floor (bench/proxy-bare.ts --sign)" : `the gateway (${join(SRC, "src/main.ts")})`}, load ${LOAD}, LOG_LEVEL=${LOG_LEVEL}: ${total.toFixed(0)} ms of busy samples over ${requests} requests (${((1000 * total) / Math.max(1, requests)).toFixed(0)} µs each)`,
  );
  table(
    "Self time by owner: the innermost JS frame on the stack (native work — crypto, fetch, JSON — charged to its caller)",
    "owner (file:function:line, or package:function)",
    bucket,
    30,
  );
  table(
    "Innermost frame of our code (src/) on the stack — synchronous stacks only: work resumed from a promise in a package has no frame of ours",
    "file:function:line",
    ourBucket,
    20,
  );
  table("Inclusive time, our code (src/)", "file:function:line", incl, 30, (k) => k.startsWith("src/"));
  table("Self time, everything", "frame", self, 30);
  table(
    "Inclusive time, packages",
    "package:function",
    incl,
    20,
    (k) => !k.startsWith("src/") && !k.startsWith("[native]") && !k.startsWith("/"),
  );
  return `${L.join("\n")}\n`;
}

let code = 0;
try {
  if (!existsSync(join(SRC, "src/main.ts"))) throw new Error(`no src/main.ts under ${SRC}`);
  if (STARTUP) await startup();
  else await main();
} catch (e) {
  console.error(`profile: ${(e as Error).stack ?? e}`);
  code = 1;
} finally {
  await Promise.race([stopAll(), Bun.sleep(5000)]);
  killAllSync();
  clearTimeout(deadline);
}
process.exit(code);
