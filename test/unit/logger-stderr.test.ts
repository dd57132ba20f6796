/**
 * The logger's stderr: lines logged in one turn of the event loop leave in one write, in order, and
 * lines still pending when the process exits are written before it ends (a real child process).
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { cleanEnv, runToEnd } from "../support/gateway";

const LOGGER = join(import.meta.dir, "../../src/observability/logger.ts");

/** A Bun child running `script`; its exit code and both outputs. */
const runChild = (script: string) => runToEnd([process.execPath, "-e", script], { env: cleanEnv(), timeoutMs: 10_000 });

test("lines of one turn leave in one write, in order; later turns in their own", async () => {
  const { stdout, stderr, code } = await runChild(`
    const { createLogger } = await import(${JSON.stringify(LOGGER)});
    let writes = 0;
    const real = process.stderr.write.bind(process.stderr);
    process.stderr.write = (chunk, ...rest) => { writes++; return real(chunk, ...rest); };
    const log = createLogger("info");
    log.info("a", { n: 1 }); log.warn("b", { n: 2 }); log.debug("hidden"); log.error("c", { n: 3 });
    await new Promise((r) => setTimeout(r, 20));
    log.info("d", { n: 4 });
    await new Promise((r) => setTimeout(r, 20));
    console.log(JSON.stringify({ writes }));
  `);
  expect(code).toBe(0);
  expect(JSON.parse(stdout.trim())).toEqual({ writes: 2 });
  const lines = stderr
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l));
  expect(lines.map((l) => [l.level, l.msg, l.n])).toEqual([
    ["info", "a", 1],
    ["warn", "b", 2],
    ["error", "c", 3],
    ["info", "d", 4],
  ]);
});

test("a line logged just before process.exit is not lost", async () => {
  const { stderr, code } = await runChild(`
    const { createLogger } = await import(${JSON.stringify(LOGGER)});
    const log = createLogger("info");
    log.info("first");
    await new Promise((r) => setTimeout(r, 20));
    log.info("stopped", { signal: "SIGTERM" });
    log.warn("last words");
    process.exit(3);
  `);
  expect(code).toBe(3);
  expect(
    stderr
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l).msg),
  ).toEqual(["first", "stopped", "last words"]);
});
