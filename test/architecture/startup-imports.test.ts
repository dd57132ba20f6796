/**
 * What the binary loads before its first line runs. The bundler hoists every static import of a
 * built-in module (`import http from "node:http"`) to the top of the bundle, even from a file that
 * is itself imported lazily, so such a module loads at every start-up (node:http and its streams
 * cost ~10 ms). Built-ins that only some requests need are imported where they are used
 * (docs/architecture.md#start-up-what-loads-when); this holds the bundle's top-level imports to the few every start needs.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";

/**
 * Needed by every `serve` start: the config files; fs/promises comes with Elysia's own file-type
 * check (not ours to move). Not node:crypto: ~6 ms of a start, loaded at first use
 * (lib/node-crypto.ts); hashes use Bun.CryptoHasher. Not bun:ffi (the OpenSSL signer loads it after
 * start-up) nor bun:sqlite (the SQLite store loads it when it opens its file).
 */
const AT_START = new Set(["fs", "path", "os", "fs/promises"]);

test("the bundle imports at start-up only the built-ins every start needs", async () => {
  const out = await Bun.build({ entrypoints: [join(import.meta.dir, "../../src/main.ts")], target: "bun" });
  expect(out.success).toBe(true);
  const main = out.outputs.find((o) => o.kind === "entry-point");
  const code = await main!.text();
  const hoisted = new Set([...code.matchAll(/^import\s[^;]*?\sfrom\s+"([^"]+)";?$/gm)].map((m) => m[1]!));
  // The check must see the imports it is about: node:fs is among them in any build.
  expect(hoisted.has("fs")).toBe(true);
  const unexpected = [...hoisted].filter((m) => !AT_START.has(m));
  expect(unexpected).toEqual([]);
}, 60_000);
