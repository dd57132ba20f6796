/**
 * Builds the single executable: `bun build --compile` of src/main.ts into dist/ocigenai.
 * The binary embeds Bun itself, so the target machine needs neither Node nor Bun; it reads
 * llm_models.json and credentials.conf from its own directory (see src/config/settings.ts).
 */

import { mkdirSync } from "node:fs";
import { $ } from "bun";

const outfile = process.env.OCIGENAI_OUTFILE ?? "dist/ocigenai";
const target = process.env.OCIGENAI_TARGET; // e.g. bun-linux-arm64 for another platform
// Another entry compiled the same way: the bench's cold-start floor (bench/hello-serve.ts).
const entry = process.env.OCIGENAI_ENTRY ?? "src/main.ts";
// The SQLite store's checkpoint thread is a module of its own, started as a Worker by path: a
// compiled binary finds it only if it is an entry (named from the entries' root, src/).
const workers = process.env.OCIGENAI_ENTRY ? [] : ["src/state/wal-checkpoint-worker.ts"];

mkdirSync("dist", { recursive: true });
const started = performance.now();
// Bytecode and full minification halve the cold start (the bundle no longer has to be parsed at
// launch): ~100 ms to the first answer instead of ~200 (BENCHMARKS.md).
// The binary starts with JavaScriptCore's JIT 20 times more reluctant to compile: start-up code runs
// once, and compiling it on the one core a pinned process has delayed the first answer by ~20 ms.
// `serve` puts the normal policy back once it listens (docs/architecture.md#start-up-what-loads-when).
const JIT_POLICY = 20;
const args = [
  "build",
  "--compile",
  "--minify",
  "--bytecode",
  "--sourcemap=none",
  `--compile-jit-policy=${JIT_POLICY}`,
  // No .env or bunfig.toml from the directory it is launched in: the configuration is the files
  // beside the binary and the environment (docs/configuration.md). Looking for them also read
  // every directory from / to the working directory at each start (~17 ms launched from a /tmp
  // of 20,000 entries).
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
  entry,
  ...workers,
  "--outfile",
  outfile,
];
if (target) args.push("--target", target);
await $`${process.execPath} ${args}`;
const size = Bun.file(outfile).size;
console.log(
  `built ${outfile} (${(size / 1024 / 1024).toFixed(1)} MB) in ${Math.round(performance.now() - started)} ms`,
);
