/**
 * Child process for the read-only directory test: opens SESSION_STORE=argv[2] in config dir
 * argv[3] and prints the store kind and the warnings as JSON. It runs in its own process so a
 * root test run can drop the capability that lets root write into read-only directories.
 */
import { createStateStore } from "../../src/state/create-store";

const [spec, configDir] = process.argv.slice(2);
const warnings: string[] = [];
const store = await createStateStore(spec, { configDir: configDir ?? ".", warn: (m) => warnings.push(m) });
let usable = false;
try {
  await store.set("k", { sessionId: "s", agentEndpointId: "e", owner: "o", createdAt: 1, lastUsedAt: 1 }, 60_000);
  usable = (await store.get("k"))?.sessionId === "s";
} finally {
  await store.close();
}
console.log(JSON.stringify({ kind: store.kind, warnings, usable }));
