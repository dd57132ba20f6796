/**
 * The config store's reloads: the file watchers start a moment after start-up (so that creating
 * them does not delay the first answer), and an edit made before they start is not lost.
 */
import { afterEach, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { loadConfig } from "../../src/config/load";
import { resolveSettings } from "../../src/config/settings";
import { ConfigStore } from "../../src/config/store";
import { createLogger } from "../../src/observability/logger";
import { tempDir, testModels, writeModels } from "../support/gateway";

const stores: ConfigStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function makeStore() {
  const dir = tempDir();
  writeModels(dir);
  const settings = resolveSettings({ command: "serve", configDir: dir }, { TEST_MODE: "true" });
  const loaded = loadConfig(settings);
  if (!loaded.config) throw new Error("test config did not load");
  const lines: string[] = [];
  const store = new ConfigStore(
    loaded.config,
    settings,
    createLogger("debug", (l) => lines.push(l)),
  );
  stores.push(store);
  return { dir, store, lines };
}

const added = {
  added: { id: "meta.llama-4-scout", region: "us-chicago-1", compartmentId: "ocid1.compartment.oc1..x" },
};

async function until(check: () => boolean, ms: number) {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await Bun.sleep(10);
}

/** The alias `added` comes into force within `ms`, and the reload's log line names `reason`. */
async function expectAdded(s: ReturnType<typeof makeStore>, reason: string, ms: number) {
  await until(() => s.store.current.aliases.has("added"), ms);
  expect(s.store.current.aliases.has("added")).toBe(true);
  expect(s.lines.some((l) => l.includes(reason))).toBe(true);
}

test("an edit made before the watchers start is applied when they start", async () => {
  const s = makeStore();
  s.store.watch(100);
  // Written before the watchers exist: no file event will ever report it.
  writeModels(s.dir, testModels(added));
  expect(s.store.current.aliases.has("added")).toBe(false);
  await expectAdded(s, "config files changed during start-up", 2000);
});

test("with no edit, starting the watchers reloads nothing", async () => {
  const { store, lines } = makeStore();
  store.watch(20);
  await Bun.sleep(300);
  expect(lines.some((l) => l.includes("config reloaded"))).toBe(false);
});

test("once started, the watchers see an edit", async () => {
  const s = makeStore();
  s.store.watch(0);
  await Bun.sleep(100);
  writeModels(s.dir, testModels(added));
  await expectAdded(s, "llm_models.json changed", 3000);
});

test("closed before the watchers start, the store never starts them", async () => {
  const { dir, store } = makeStore();
  store.watch(50);
  store.close();
  writeModels(dir, testModels(added));
  await Bun.sleep(400);
  expect(store.current.aliases.has("added")).toBe(false);
});

test("api_keys.json deleted while in force is a rejected reload: the team keys stay, auth is not turned off", () => {
  const s = makeStore();
  const keysPath = `${s.dir}/api_keys.json`;
  writeFileSync(keysPath, JSON.stringify({ team: { sha256: "a".repeat(64) } }));
  expect(s.store.reload("test: keys added")).toBe(true);
  expect(s.store.current.keys.size).toBe(1);
  rmSync(keysPath);
  expect(s.store.reload("test: keys file deleted")).toBe(false);
  expect(s.store.current.keys.size).toBe(1);
  expect(s.lines.some((l) => l.includes("reload rejected") && l.includes("file not found"))).toBe(true);
  // Emptied on purpose ({}), every team key goes.
  writeFileSync(keysPath, "{}");
  expect(s.store.reload("test: keys emptied")).toBe(true);
  expect(s.store.current.keys.size).toBe(0);
});

test("with no api_keys.json ever, reloads need none", () => {
  const s = makeStore();
  expect(s.store.reload("test: nothing changed")).toBe(true);
});
