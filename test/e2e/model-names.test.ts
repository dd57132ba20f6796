/**
 * Extra model names on the compiled binary (docs/configuration.md#names): Claude Code's model
 * name served through a `claude-sonnet-*` pattern in TEST_MODE, and a pattern that matches an
 * alias name refused at start-up with its line and column.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { BINARY_SETUP_TIMEOUT_MS, binaryDir } from "../support/binary";
import { COMPARTMENT, type Gateway, runCli, startGateway, testModels } from "../support/gateway";

const CLAUDE_CODE_MODEL = "claude-sonnet-4-5-20250929";
const sonnet = (names: string[]) => ({
  sonnet: { id: "xai.grok-4", region: "us-chicago-1", compartmentId: COMPARTMENT, names },
});

const running: Gateway[] = [];
afterAll(async () => {
  for (const g of running) await g.stop();
});

describe("compiled binary: extra model names", () => {
  test(
    `${CLAUDE_CODE_MODEL} is served through claude-sonnet-* and listed under its alias`,
    async () => {
      const { bin } = await binaryDir({ models: testModels(sonnet(["claude-sonnet-*"])) });
      const g = await startGateway({ binary: bin, env: { TEST_MODE: "true" } });
      running.push(g);
      const r = await fetch(`${g.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: CLAUDE_CODE_MODEL,
          messages: [{ role: "user", content: "Hello from Claude Code" }],
        }),
      });
      expect(r.status).toBe(200);
      const body = await r.json();
      expect(body.model).toBe("sonnet");
      expect(body.choices[0].message.content).toBe("[TEST_MODE] Simulated response to: Hello from Claude Code");

      const one = await (await fetch(`${g.url}/v1/models/${CLAUDE_CODE_MODEL}`)).json();
      expect(one).toMatchObject({ id: "sonnet", names: ["claude-sonnet-*"] });
      expect((await fetch(`${g.url}/v1/models/claude-opus-4-1`)).status).toBe(404);
    },
    BINARY_SETUP_TIMEOUT_MS,
  );

  test(
    "a pattern matching an alias name stops start-up (exit 2) naming alias, entry, line and column",
    async () => {
      const { bin } = await binaryDir({ models: testModels(sonnet(["claude-sonnet-*", "gpt?"])) });
      const r = await runCli({ binary: bin, env: { TEST_MODE: "true" }, args: ["--port", "0"] });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /llm_models\.json, alias 'sonnet', field 'names\[1\]', line \d+, column \d+: pattern 'gpt\?' matches the alias name 'gpt5'/,
      );
    },
    BINARY_SETUP_TIMEOUT_MS,
  );
});
