/** Builds the real Elysia app in-process for `app.handle(new Request(...))` route tests. */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load";
import { resolveSettings } from "../../src/config/settings";
import { ConfigStore } from "../../src/config/store";
import { formatProblem } from "../../src/config/types";
import { createMockTransport } from "../../src/mock/mock-transport";
import { createLogger } from "../../src/observability/logger";
import { Metrics } from "../../src/observability/metrics";
import { UpstreamLedger } from "../../src/observability/upstream-ledger";
import type { OciTransport } from "../../src/oci/transport";
import { createApp } from "../../src/server/app";
import { buildServices } from "../../src/server/gateway";
import { MemorySessionStore } from "../../src/state/memory";
import type { StateStore } from "../../src/state/types";
import { tempDir, testModels, writeModels } from "./gateway";

/** The origin `call` and `fetch` requests carry (nothing listens there: requests go to app.handle). */
export const BASE_URL = "http://localhost";

export interface TestAppOptions {
  env?: Record<string, string | undefined>;
  models?: unknown;
  /** Written as api_keys.json in the config dir (team keys; docs/teams-and-quotas.md). */
  apiKeys?: unknown;
  transport?: OciTransport;
  stateStore?: StateStore;
}

export function makeTestApp(o: TestAppOptions = {}) {
  const dir = tempDir();
  writeModels(dir, o.models ?? testModels());
  if (o.apiKeys !== undefined) writeFileSync(join(dir, "api_keys.json"), JSON.stringify(o.apiKeys, null, 2));
  const settings = resolveSettings({ command: "serve", configDir: dir }, { TEST_MODE: "true", ...o.env });
  const loaded = loadConfig(settings);
  if (!loaded.config) throw new Error(loaded.problems.map(formatProblem).join("\n"));
  const lines: string[] = [];
  const log = createLogger("debug", (l) => lines.push(l));
  const store = new ConfigStore(loaded.config, settings, log);
  const transport = o.transport ?? createMockTransport();
  const stateStore = o.stateStore ?? new MemorySessionStore();
  const metrics = new Metrics(() => stateStore.size());
  const services = buildServices({
    settings,
    config: store,
    transport,
    stateStore,
    log,
    metrics,
    locks: { waitMs: 5000, leaseMs: 5000 },
  });
  const app = createApp(services, { ledger: new UpstreamLedger() });
  const call = (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const headers = new Headers(init.headers);
    let body = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers.set("content-type", "application/json");
    }
    return app.handle(new Request(`${BASE_URL}${path}`, { ...init, headers, body }));
  };
  /** A `fetch` into the app, for HTTP clients (the openai SDK's `fetch` option); use BASE_URL as the host. */
  const fetchInto = (input: RequestInfo | URL, init?: RequestInit) => app.handle(new Request(input, init));
  const { lifecycle, sessions, streams } = services;
  return {
    app,
    call,
    fetch: fetchInto,
    settings,
    store,
    lifecycle,
    logs: lines,
    dir,
    sessions,
    transport,
    metrics,
    streams,
  };
}
