import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh config dir naming the one alias (`bench`) a measured gateway serves. */
export function benchConfigDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(
    join(dir, "llm_models.json"),
    JSON.stringify({
      bench: {
        id: "meta.llama-3.3-70b-instruct",
        region: "us-chicago-1",
        compartmentId: "ocid1.compartment.oc1..aaaabench",
      },
    }),
  );
  return dir;
}
