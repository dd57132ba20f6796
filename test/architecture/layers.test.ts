/**
 * The import structure docs/architecture.md describes, held against the code: every import of a
 * module in src/ goes to its own folder or to a folder on a lower layer. Nothing imports upward,
 * so there are no cycles between folders, and a family never reaches another family.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

const SRC = join(import.meta.dir, "../../src");

/** Top to bottom. Folders on one line are siblings: neither may import the other. */
const LAYERS: string[][] = [
  ["main.ts"],
  ["server"],
  ["families/openai", "families/responses", "families/anthropic", "families/direct", "ops"],
  ["http"],
  ["embeddings", "rerank", "moderation", "agents", "stored-responses", "cli"],
  ["quotas"],
  ["chat"],
  ["files", "mock", "state", "pools"],
  ["oci"],
  ["config"],
  ["observability", "images"],
  ["lib", "errors", "version.ts"],
];

const rank = new Map(LAYERS.flatMap((row, i) => row.map((folder) => [folder, i] as const)));

function folderOf(file: string): string {
  const rel = relative(SRC, file);
  const two = rel.split("/").slice(0, 2).join("/");
  if (rank.has(two)) return two;
  const one = rel.split("/")[0]!;
  if (rank.has(one)) return one;
  throw new Error(`src/${rel} is in no layer: add its folder to LAYERS and to docs/architecture.md`);
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

const IMPORT = /(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g;

describe("layers of src/", () => {
  const edges: Array<{ from: string; to: string; file: string; spec: string }> = [];
  for (const file of sources(SRC)) {
    for (const m of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const target = normalize(join(dirname(file), m[1]!));
      if (relative(SRC, target).startsWith("..")) continue; // package.json, read for the version
      const from = folderOf(file);
      const to = folderOf(target.endsWith(".json") || target.endsWith(".ts") ? target : `${target}.ts`);
      if (from !== to) edges.push({ from, to, file: relative(SRC, file), spec: m[1]! });
    }
  }

  test("every folder of src/ has its place", () => {
    expect(edges.length).toBeGreaterThan(50);
  });

  test("imports only run down the layers, never up or sideways", () => {
    const wrong = edges
      .filter((e) => rank.get(e.from)! >= rank.get(e.to)!)
      .map((e) => `src/${e.file} imports ${e.spec} (${e.from} → ${e.to})`);
    expect(wrong).toEqual([]);
  });
});
