/**
 * Opens many concurrent SSE streams to one target and holds them open (a separate process, so
 * it can lift Bun's client limit on simultaneous fetches without touching the bench process).
 *
 *   BUN_CONFIG_MAX_HTTP_REQUESTS=4096 bun bench/hold-streams.ts URL COUNT HOLD_MS TIMEOUT_MS [API_KEY]
 *
 * Prints `READY {json}` once every stream got its first event (or at TIMEOUT_MS), keeps reading
 * for HOLD_MS (the caller samples the proxy's memory meanwhile), then aborts them all and prints
 * `DONE`. Loopback only.
 */
import { chatBody } from "./lib/bodies";

const [url, countArg, holdArg, timeoutArg, apiKey] = process.argv.slice(2);
if (!url || !/^http:\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error(`loopback URL required, got ${url}`);
const count = Number(countArg ?? 1000);
const holdMs = Number(holdArg ?? 3000);
const timeoutMs = Number(timeoutArg ?? 20000);
const body = new TextEncoder().encode(chatBody("small", "bench", true));
const headers: Record<string, string> = {
  "content-type": "application/json",
  ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
};

const ctrl = new AbortController();
let first = 0;
let failed = 0;
const errors = new Map<string, number>();
const fail = (why: string) => {
  failed++;
  errors.set(why, (errors.get(why) ?? 0) + 1);
};

async function one(): Promise<void> {
  try {
    const res = await fetch(url!, { method: "POST", headers, body, signal: ctrl.signal });
    if (res.status !== 200 || !res.body) return fail(`HTTP ${res.status}`);
    let seen = false;
    for await (const chunk of res.body) {
      if (!seen && chunk.byteLength > 0) {
        seen = true;
        first++;
      }
    }
  } catch (e) {
    if (!ctrl.signal.aborted) fail(String(e).slice(0, 80));
  }
}

const started = performance.now();
const all: Promise<void>[] = [];
for (let i = 0; i < count; i++) {
  all.push(one());
  if (i % 50 === 49) await Bun.sleep(10); // ramp, so accept queues don't overflow
}
const deadline = started + timeoutMs;
while (first + failed < count && performance.now() < deadline) await Bun.sleep(20);
console.log(
  `READY ${JSON.stringify({ opened: count, firstEvent: first, failed, ms: Math.round(performance.now() - started), errors: Object.fromEntries(errors) })}`,
);
await Bun.sleep(holdMs);
ctrl.abort();
await Promise.race([Promise.all(all), Bun.sleep(5000)]);
console.log("DONE");
process.exit(0);
