/**
 * The counters every request touches keep one labelled child per label set (no label hashing per
 * call): what they add up to must be exactly what was recorded, each label set on its own line.
 */
import { expect, test } from "bun:test";
import { Metrics } from "../../src/observability/metrics";
import { metricValue } from "../faults/support";

test("requests, tokens, key usage and store operations add up per label set", async () => {
  const m = new Metrics(undefined, { loadDelayMs: 0 });
  for (let i = 0; i < 3; i++) {
    m.request("/v1/chat/completions", "llama", 200, 0.01);
    m.tokens("llama", 10, 2);
    m.keyUsage("team-a", "llama", 10, 2);
    m.sessionStore("sqlite", true);
  }
  m.request("/v1/chat/completions", "llama", 503, 0.02);
  m.tokens("grok", 0, 5);
  m.tokens("grok", 40, 3, true); // a stream cut short: the gateway's estimate, not OCI's figures
  m.keyUsage("team-b", "llama", 7, 0);
  m.keyUsage("team-a", "grok", 1, 1);
  m.sessionStore("sqlite", false);
  const text = await m.render();

  const v = (name: string, labels: Record<string, string>) => metricValue(text, name, labels);
  expect(v("ocigenai_requests_total", { alias: "llama", status: "200" })).toBe(3);
  expect(v("ocigenai_requests_total", { alias: "llama", status: "503" })).toBe(1);
  expect(v("ocigenai_request_duration_seconds_count", { alias: "llama", status: "200" })).toBe(3);
  expect(v("ocigenai_tokens_total", { alias: "llama", kind: "prompt" })).toBe(30);
  expect(v("ocigenai_tokens_total", { alias: "llama", kind: "completion" })).toBe(6);
  expect(v("ocigenai_tokens_total", { alias: "grok", kind: "completion" })).toBe(5);
  expect(v("ocigenai_tokens_total", { alias: "grok", kind: "prompt" })).toBe(0);
  expect(v("ocigenai_estimated_tokens_total", { alias: "grok", kind: "prompt" })).toBe(40);
  expect(v("ocigenai_estimated_tokens_total", { alias: "grok", kind: "completion" })).toBe(3);
  expect(v("ocigenai_estimated_tokens_total", { alias: "llama", kind: "prompt" })).toBe(0);
  expect(v("ocigenai_key_requests_total", { key: "team-a", alias: "llama" })).toBe(3);
  expect(v("ocigenai_key_requests_total", { key: "team-a", alias: "grok" })).toBe(1);
  expect(v("ocigenai_key_requests_total", { key: "team-b", alias: "llama" })).toBe(1);
  expect(v("ocigenai_key_tokens_total", { key: "team-a", alias: "llama", kind: "input" })).toBe(30);
  expect(v("ocigenai_key_tokens_total", { key: "team-a", alias: "llama", kind: "output" })).toBe(6);
  expect(v("ocigenai_key_tokens_total", { key: "team-b", alias: "llama", kind: "input" })).toBe(7);
  expect(v("ocigenai_key_tokens_total", { key: "team-b", alias: "llama", kind: "output" })).toBe(0);
  expect(v("ocigenai_session_store_operations_total", { store: "sqlite", result: "ok" })).toBe(3);
  expect(v("ocigenai_session_store_operations_total", { store: "sqlite", result: "error" })).toBe(1);
  // A key's line names its key and alias, never anything else's.
  expect(text).toMatch(/ocigenai_key_requests_total\{key="team-b",alias="llama"\} 1/);
});

test("the runtime defaults are there but for the heap's per-space sizes, which walk the whole heap at each scrape", async () => {
  const m = new Metrics(undefined, { loadDelayMs: 0 });
  const text = await m.render();
  for (const name of [
    "ocigenai_process_cpu_user_seconds_total",
    "ocigenai_process_resident_memory_bytes",
    "ocigenai_nodejs_heap_size_used_bytes",
    "ocigenai_nodejs_heap_size_total_bytes",
    "ocigenai_nodejs_eventloop_lag_seconds",
  ])
    expect(text).toContain(`\n${name} `);
  expect(text).not.toContain("heap_space");
});
