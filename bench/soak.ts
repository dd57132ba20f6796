/**
 * A bounded soak: one gateway, as shipped (default SQLite store, default log level), under a mixed
 * load for MINUTES, its memory sampled every second — does it grow while nothing it holds grows?
 *
 *   bun bench/soak.ts [--bin dist/ocigenai] [--minutes 10] [--rate 40] [--idle 30]
 *
 * The load, open loop at RATE slots a second, taken in turn: chat completions (small), a chat
 * stream, a Responses stream, a Messages stream, chat with the ~100 KB body, a chat stream the
 * client drops after its first token, a kept Responses exchange (create with `store: true`, a
 * follow-up through `previous_response_id`, read it back, delete both: five requests), Messages
 * (small), a malformed body (400) and a wrong key (401); `/metrics` scraped every 15 s. Every
 * answer is checked (status, and the text the mock sent), and after the load no upstream stream
 * may still be open at the mock (a dropped one must end there too). Nothing is kept at the end of a slot,
 * so memory that climbs through the run is memory the gateway should have let go.
 *
 * Reported: RSS per minute (median, peak, anonymous part), the requests and failures of each
 * minute, chat latency and stream time to first token per minute (a slowing gateway shows there
 * too), the climb of RSS over the load after its first minute (least squares over every sample:
 * MB per minute, and bytes per request), and RSS after IDLE seconds without load.
 * Writes bench/results/soak-<stamp>.md. Same layout as the other focused tools: the mock and this
 * client on CPU 1, the gateway on CPU 0, loopback only; every process it starts is stopped by pid
 * when it ends (or at a hard deadline).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { APIS, expectedText, responsesBody } from "./lib/bodies";
import { focusedSetup, startGateway } from "./lib/gateway";
import { type Dialect, streamOnce, type Target } from "./lib/load";
import { rss, runTool } from "./lib/procs";
import { fmt, median, pcts } from "./lib/stats";

const argv = process.argv.slice(2);
const flag = (n: string) => (argv.indexOf(n) >= 0 ? argv[argv.indexOf(n) + 1] : undefined);
const BENCH = import.meta.dir;
const BIN = resolve(flag("--bin") ?? join(BENCH, "../dist/ocigenai"));
const MINUTES = Number(flag("--minutes") ?? 10);
const RATE = Number(flag("--rate") ?? 40);
const IDLE_S = Number(flag("--idle") ?? 30);
const EVENTS = 20;
const KEY = "bench";

const enc = (s: string) => new TextEncoder().encode(s);
const MB = 2 ** 20;

type Outcome = { kind: string; ok: boolean; requests: number; ms: number; ttftMs?: number; error?: string };

/** What one slot of the load does; each returns how it went. */
function kinds(base: string): Array<{ name: string; run(): Promise<Outcome> }> {
  const headers = { "content-type": "application/json", authorization: `Bearer ${KEY}` };
  const t = (path: string): Target => ({ url: base + path, headers });
  const want = expectedText(EVENTS);
  const body = {
    chat: enc(APIS.chat.body("small", "bench")),
    chatStream: enc(APIS.chat.body("small", "bench", true)),
    chatLarge: enc(APIS.chat.body("large", "bench")),
    responsesStream: enc(APIS.responses.body("small", "bench", true)),
    messages: enc(APIS.messages.body("small", "bench")),
    messagesStream: enc(APIS.messages.body("small", "bench", true)),
    stored: enc(responsesBody("small", "bench", false, true)),
  };
  /** One JSON call: its status must be `status`, and `text` (if given) must find the mock's answer in it. */
  const call = async (
    kind: string,
    path: string,
    init: RequestInit,
    status: number,
    text?: (j: any) => unknown,
  ): Promise<Outcome & { json?: any }> => {
    const start = performance.now();
    try {
      const r = await fetch(base + path, { headers, ...init });
      const raw = await r.text();
      const ms = performance.now() - start;
      if (r.status !== status)
        return { kind, ok: false, requests: 1, ms, error: `HTTP ${r.status}: ${raw.slice(0, 120)}` };
      const json = raw ? JSON.parse(raw) : undefined;
      if (text && text(json) !== want)
        return { kind, ok: false, requests: 1, ms, error: `unexpected answer: ${raw.slice(0, 120)}` };
      return { kind, ok: true, requests: 1, ms, json };
    } catch (e) {
      return { kind, ok: false, requests: 1, ms: performance.now() - start, error: String(e) };
    }
  };
  const stream = async (kind: string, path: string, b: Uint8Array<ArrayBuffer>, d: Dialect): Promise<Outcome> => {
    const r = await streamOnce(t(path), b, d, EVENTS);
    return { kind, ok: r.ok, requests: 1, ms: r.totalMs, ttftMs: r.ttftMs, error: r.error };
  };
  const chatText = (j: any) => j?.choices?.[0]?.message?.content;
  const messagesText = (j: any) => j?.content?.[0]?.text;
  const responsesText = (j: any) =>
    j?.output?.flatMap((o: any) => o.content ?? []).find((c: any) => c.type === "output_text")?.text;
  const post = (b: Uint8Array<ArrayBuffer>) => ({ method: "POST", body: b });
  return [
    { name: "chat", run: () => call("chat", APIS.chat.path, post(body.chat), 200, chatText) },
    { name: "chat stream", run: () => stream("chat stream", APIS.chat.path, body.chatStream, "openai") },
    {
      name: "responses stream",
      run: () => stream("responses stream", APIS.responses.path, body.responsesStream, "responses"),
    },
    {
      name: "messages stream",
      run: () => stream("messages stream", APIS.messages.path, body.messagesStream, "anthropic"),
    },
    { name: "chat ~100 KB", run: () => call("chat ~100 KB", APIS.chat.path, post(body.chatLarge), 200, chatText) },
    {
      name: "chat stream dropped",
      async run() {
        // The client goes away after the first token: the gateway must let go of the upstream stream too.
        const start = performance.now();
        const ctrl = new AbortController();
        try {
          const r = await fetch(base + APIS.chat.path, {
            method: "POST",
            headers,
            body: body.chatStream,
            signal: ctrl.signal,
          });
          const reader = r.body!.getReader();
          const dec = new TextDecoder();
          let seen = "";
          while (!seen.includes('"content":"Why"')) {
            const { done, value } = await reader.read();
            if (done) break;
            seen += dec.decode(value, { stream: true });
          }
          ctrl.abort();
          const ok = r.status === 200 && seen.includes('"content":"Why"');
          return {
            kind: "chat stream dropped",
            ok,
            requests: 1,
            ms: performance.now() - start,
            error: ok ? undefined : seen.slice(0, 120),
          };
        } catch (e) {
          return {
            kind: "chat stream dropped",
            ok: false,
            requests: 1,
            ms: performance.now() - start,
            error: String(e),
          };
        }
      },
    },
    {
      name: "responses kept",
      async run() {
        const kind = "responses kept";
        const start = performance.now();
        const first = await call(kind, APIS.responses.path, post(body.stored), 200, responsesText);
        if (!first.ok) return first;
        const next = await call(
          kind,
          APIS.responses.path,
          post(
            enc(
              JSON.stringify({
                model: "bench",
                input: "And another one.",
                previous_response_id: first.json.id,
                store: true,
              }),
            ),
          ),
          200,
          responsesText,
        );
        if (!next.ok) return { ...next, requests: 2 };
        const read = await call(kind, `${APIS.responses.path}/${next.json.id}`, { method: "GET" }, 200, responsesText);
        const dels = await Promise.all(
          [first.json.id, next.json.id].map((id) =>
            call(kind, `${APIS.responses.path}/${id}`, { method: "DELETE" }, 200),
          ),
        );
        const bad = [read, ...dels].find((o) => !o.ok);
        return { kind, ok: !bad, requests: 5, ms: performance.now() - start, error: bad?.error };
      },
    },
    { name: "messages", run: () => call("messages", APIS.messages.path, post(body.messages), 200, messagesText) },
    {
      name: "malformed (400)",
      run: () => call("malformed (400)", APIS.chat.path, post(enc('{"model":"bench","messages":"nope"}')), 400),
    },
    {
      name: "wrong key (401)",
      run: () =>
        call(
          "wrong key (401)",
          APIS.chat.path,
          { method: "POST", body: body.chat, headers: { ...headers, authorization: "Bearer not-the-key" } },
          401,
        ),
    },
  ];
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den ? num / den : NaN;
}

async function main() {
  const { dir, env, mock } = await focusedSetup("ocigenai-soak-");
  // As shipped: the default store (SQLite in the config directory) and log level (info).
  const { child, port } = await startGateway(BIN, dir, env, mock.url, { SESSION_STORE: "", LOG_LEVEL: "info" });
  const base = `http://127.0.0.1:${port}`;
  await mock.mode({ latencyMs: 0, sse: "auto", events: EVENTS, gapMs: 10 });
  const slots = kinds(base);

  const t0 = performance.now();
  const at = () => (performance.now() - t0) / 1000;
  const samples: Array<{ s: number; rss: number; anon: number }> = [];
  const sample = () => {
    const m = rss(child.pid);
    samples.push({ s: at(), rss: m.rss / MB, anon: m.anon / MB });
  };
  sample();
  const sampler = setInterval(sample, 1000);
  const scrapes: boolean[] = [];
  const scraper = setInterval(async () => {
    const r = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${KEY}` } }).catch(() => undefined);
    scrapes.push(r?.status === 200 && (await r.text()).includes("ocigenai_"));
  }, 15_000);

  // Open loop: slot i starts at i / RATE seconds, whatever the earlier ones are doing.
  const outcomes: Array<Outcome & { minute: number }> = [];
  const pending = new Set<Promise<void>>();
  const total = Math.round(MINUTES * 60 * RATE);
  let worstLagMs = 0;
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0.5) await Bun.sleep(wait);
    worstLagMs = Math.max(worstLagMs, performance.now() - due);
    const minute = Math.floor((due - t0) / 60_000);
    const p = slots[i % slots.length]!.run().then((o) => {
      outcomes.push({ ...o, minute });
      pending.delete(p);
    });
    pending.add(p);
  }
  await Promise.race([Promise.all(pending), Bun.sleep(60_000)]);
  clearInterval(scraper);
  const loadEnd = at();
  await Bun.sleep(IDLE_S * 1000);
  clearInterval(sampler);
  sample();
  // Every stream has ended by now, the dropped ones too: the mock must be holding none.
  const leftOpen = await mock.openStreams();
  await child.stop();

  // ---------------------------------------------------------------- the report
  const lines: string[] = [];
  const out = (s = "") => {
    lines.push(s);
    console.log(s);
  };
  const requests = outcomes.reduce((n, o) => n + o.requests, 0);
  const failed = outcomes.filter((o) => !o.ok);
  out(`## Soak: ${MINUTES} min at ${RATE} slots/s, then ${IDLE_S} s idle`);
  out();
  out(`- binary: ${BIN}; ${new Date().toISOString()}; default store (SQLite) and log level (info)`);
  out(
    `- ${requests} requests in ${outcomes.length} slots (${fmt(requests / loadEnd, 1)} req/s), ${failed.length} failed slots; /metrics scraped ${scrapes.length} times, ${scrapes.filter((x) => !x).length} failed; the client's worst lag behind schedule ${fmt(worstLagMs, 1)} ms`,
  );
  out(`- upstream streams still open at the mock after the idle time: ${leftOpen}`);
  if (failed.length) {
    const byKind = new Map<string, string>();
    for (const f of failed) if (!byKind.has(f.kind)) byKind.set(f.kind, f.error ?? "");
    for (const [k, e] of byKind) out(`  - failed: ${k}: ${failed.filter((f) => f.kind === k).length}× (first: ${e})`);
  }
  out();
  out(
    "| minute | RSS median | RSS peak | anonymous median | requests | failed | chat p50 / p99 (ms) | stream TTFT p50 (ms) |",
  );
  out("|---|---|---|---|---|---|---|---|");
  for (let m = 0; m < MINUTES; m++) {
    const ss = samples.filter((x) => x.s >= m * 60 && x.s < (m + 1) * 60);
    const os = outcomes.filter((o) => o.minute === m);
    const chat = pcts(os.filter((o) => o.kind === "chat" && o.ok).map((o) => o.ms));
    const ttft = median(os.filter((o) => o.ttftMs !== undefined && o.ok).map((o) => o.ttftMs!));
    out(
      `| ${m + 1} | ${fmt(median(ss.map((x) => x.rss)), 1)} MB | ${fmt(Math.max(...ss.map((x) => x.rss)), 1)} MB | ${fmt(median(ss.map((x) => x.anon)), 1)} MB | ${os.reduce((n, o) => n + o.requests, 0)} | ${os.filter((o) => !o.ok).length} | ${fmt(chat.p50)} / ${fmt(chat.p99)} | ${fmt(ttft)} |`,
    );
  }
  // The climb after the first minute (start-up, JIT and the store's first pages): every sample.
  const steady = samples.filter((x) => x.s >= 60 && x.s <= loadEnd);
  const perMin = slope(
    steady.map((x) => x.s / 60),
    steady.map((x) => x.rss),
  );
  const steadyRequests = outcomes.filter((o) => o.minute >= 1).reduce((n, o) => n + o.requests, 0);
  const steadyMinutes = (loadEnd - 60) / 60;
  const bytesPerRequest = (perMin * steadyMinutes * MB) / steadyRequests;
  const idle = samples.at(-1)!;
  const half = samples.filter((x) => x.s >= loadEnd / 2 && x.s <= loadEnd);
  const perMinLate = slope(
    half.map((x) => x.s / 60),
    half.map((x) => x.rss),
  );
  out();
  out(
    `RSS climb under load after the first minute: ${fmt(perMin, 3)} MB/min (least squares over ${steady.length} samples), ${fmt(bytesPerRequest, 1)} bytes per request; ` +
      `second half of the load alone: ${fmt(perMinLate, 3)} MB/min; ` +
      `before the load ${fmt(samples[0]!.rss, 1)} MB (anonymous ${fmt(samples[0]!.anon, 1)}), first minute's median ${fmt(median(samples.filter((x) => x.s < 60).map((x) => x.rss)), 1)} MB, last minute's ${fmt(median(samples.filter((x) => x.s >= loadEnd - 60 && x.s <= loadEnd).map((x) => x.rss)), 1)} MB, peak ${fmt(Math.max(...samples.map((x) => x.rss)), 1)} MB; after ${IDLE_S} s idle ${fmt(idle.rss, 1)} MB (anonymous ${fmt(idle.anon, 1)}).`,
  );
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  mkdirSync(join(BENCH, "results"), { recursive: true });
  const file = join(BENCH, "results", `soak-${stamp}.md`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  writeFileSync(file.replace(/\.md$/, ".json"), JSON.stringify({ samples, loadEnd, outcomes: outcomes.length }));
  console.log(`\nwritten: ${file}`);
  if (failed.length || leftOpen > 0) process.exitCode = 1;
}

runTool("soak", main, (MINUTES * 60 + IDLE_S + 180) * 1000);
