/**
 * Builds the single executable: `bun build --compile` of src/main.ts into dist/ocigenai.
 * The binary embeds Bun itself, so the target machine needs neither Node nor Bun; it reads
 * llm_models.json and credentials.conf from its own directory (see src/config/settings.ts).
 */

import { mkdirSync } from "node:fs";
import { $ } from "bun";

const outfile = process.env.OCIGENAI_OUTFILE ?? "dist/ocigenai";
const target = process.env.OCIGENAI_TARGET; // e.g. bun-linux-arm64 for another platform

mkdirSync("dist", { recursive: true });
const started = performance.now();
// Bytecode and full minification halve the cold start (the bundle no longer has to be parsed at
// launch): ~100 ms to the first answer instead of ~200 (BENCHMARKS.md).
const args = ["build", "--compile", "--minify", "--bytecode", "--sourcemap=none", "src/main.ts", "--outfile", outfile];
if (target) args.push("--target", target);
await $`${process.execPath} ${args}`;
const size = Bun.file(outfile).size;
console.log(
  `built ${outfile} (${(size / 1024 / 1024).toFixed(1)} MB) in ${Math.round(performance.now() - started)} ms`,
);
