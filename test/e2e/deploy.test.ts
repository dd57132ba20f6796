/**
 * The deployment files in deploy/: the systemd unit passes `systemd-analyze verify` with the
 * compiled binary in the place it names, and starts what the docs say it starts.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binaryDir } from "../support/binary";
import { REPO, tempDir } from "../support/gateway";

const analyze = Bun.which("systemd-analyze");
const unit = readFileSync(join(REPO, "deploy/ocigenai.service"), "utf8");

describe("deploy/ocigenai.service", () => {
  test.skipIf(!analyze)(
    "systemd-analyze verify finds nothing to say (binary path swapped in)",
    async () => {
      const { bin } = await binaryDir();
      const dir = tempDir();
      const file = join(dir, "ocigenai.service");
      writeFileSync(file, unit.replaceAll("/opt/ocigenai/ocigenai", bin));
      const r = Bun.spawnSync([analyze!, "verify", file], { stderr: "pipe", stdout: "pipe" });
      expect(r.stderr.toString()).toBe("");
      expect(r.exitCode).toBe(0);
    },
    120_000,
  );

  test("it runs workers, drains on SIGTERM within its stop timeout, reloads with SIGHUP", () => {
    expect(unit).toMatch(/^ExecStart=\/opt\/ocigenai\/ocigenai .*--workers auto$/m);
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    const stop = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)![1]);
    expect(stop).toBeGreaterThan(30); // DRAIN_SECONDS' default
    expect(unit).toMatch(/^Environment=BUN_CONFIG_MAX_HTTP_REQUESTS=4096$/m);
  });
});
