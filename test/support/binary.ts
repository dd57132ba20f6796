/**
 * Builds the compiled executable once per test process (into a temp dir, so it never races a
 * developer's dist/) and lays out directories with the binary and its config side by side.
 */
import { copyFileSync, linkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUN, REPO, tempDir, testModels } from "./gateway";

let built: Promise<string> | undefined;

export function compiledBinary(): Promise<string> {
  built ??= (async () => {
    const out = join(tempDir("ocigenai-bin-"), "ocigenai");
    const p = Bun.spawn([BUN, "run", "build.ts"], {
      cwd: REPO,
      env: { ...process.env, OCIGENAI_OUTFILE: out },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, err] = await Promise.all([p.exited, new Response(p.stderr).text()]);
    if (code !== 0) throw new Error(`build failed (${code}): ${err}`);
    return out;
  })();
  return built;
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
