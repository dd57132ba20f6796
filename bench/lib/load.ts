/**
 * Load generators written for the bench (they run in the bench process, pinned with the mock):
 * an open-loop fixed-rate client, a closed-loop client (fallback when wrk is missing) and an SSE
 * client that timestamps every event. All bounded in count and time; loopback only.
 */
import { expectedText } from "./bodies";

export interface Target {
  url: string;
  headers: Record<string, string>;
}

export interface OpenLoopResult {
  /** Latency of each request from its send, ms (NaN for failures). */
  latencies: Float64Array;
  sent: number;
  errors: number;
  /** How late the client sent, worst case, ms (the client must keep up with the schedule). */
  maxSendLagMs: number;
  seconds: number;
}

const isLoopback = (url: string) => /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\//.test(url);
function assertLoopback(url: string) {
  if (!isLoopback(url)) throw new Error(`bench refuses a non-loopback target: ${url}`);
}

/** One kind of request of a load: where it goes and what it sends. */
export interface Load {
  t: Target;
  body: Uint8Array<ArrayBuffer>;
}

/**
 * Sends `rate` requests per second for `seconds`, on schedule whatever the answers do (open loop:
 * a slow server sees queueing, as with real traffic). Latency is measured from each actual send.
 */
export async function openLoop(
  t: Target,
  body: Uint8Array<ArrayBuffer>,
  rate: number,
  seconds: number,
  timeoutMs = 30_000,
): Promise<OpenLoopResult> {
  return (await openLoopMixed([{ t, body }], rate, seconds, timeoutMs))[0]!;
}

/**
 * The same open loop over several kinds of request taken in turn (request i is `loads[i % n]`),
 * one result per kind: kinds compared this way meet the same moments of the machine, which two
 * runs one after the other do not (BENCHMARKS.md, "Paired within the same seconds").
 */
export async function openLoopMixed(
  loads: Load[],
  rate: number,
  seconds: number,
  timeoutMs = 30_000,
): Promise<OpenLoopResult[]> {
  for (const l of loads) assertLoopback(l.t.url);
  const n = Math.max(loads.length, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const latencies = new Float64Array(n).fill(NaN);
  const errors = loads.map(() => 0);
  let maxSendLagMs = 0;
  const pending: Promise<void>[] = [];
  const ctrl = new AbortController();
  const t0 = performance.now() + 2;
  for (let i = 0; i < n; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 0.5) await Bun.sleep(wait);
    const start = performance.now();
    maxSendLagMs = Math.max(maxSendLagMs, start - due);
    const { t, body } = loads[i % loads.length]!;
    pending.push(
      fetch(t.url, { method: "POST", headers: t.headers, body, signal: ctrl.signal }).then(
        async (r) => {
          await r.arrayBuffer();
          if (r.status !== 200) errors[i % loads.length]!++;
          else latencies[i] = performance.now() - start;
        },
        () => {
          errors[i % loads.length]!++;
        },
      ),
    );
  }
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  await Promise.all(pending);
  clearTimeout(timer);
  return loads.map((_, k) => {
    const mine = latencies.filter((_, i) => i % loads.length === k);
    return { latencies: mine, sent: mine.length, errors: errors[k]!, maxSendLagMs, seconds };
  });
}

/** Closed loop: `connections` workers, each sending its next request when the last one answered. */
export async function closedLoop(
  t: Target,
  body: Uint8Array<ArrayBuffer>,
  connections: number,
  seconds: number,
): Promise<{ requests: number; errors: number; rps: number }> {
  assertLoopback(t.url);
  const end = performance.now() + seconds * 1000;
  let requests = 0;
  let errors = 0;
  const worker = async () => {
    while (performance.now() < end) {
      try {
        const r = await fetch(t.url, { method: "POST", headers: t.headers, body });
        await r.arrayBuffer();
        if (r.status === 200) requests++;
        else errors++;
      } catch {
        errors++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  return { requests, errors, rps: requests / ((performance.now() - started) / 1000) };
}

export type Dialect = "oci" | "openai" | "responses" | "anthropic";

export interface StreamResult {
  ok: boolean;
  /** Request sent → first event carrying text, ms. */
  ttftMs: number;
  /** Gaps between consecutive text events, ms. */
  gaps: number[];
  totalMs: number;
  error?: string;
}

/**
 * Text of one SSE data payload: OCI GENERIC (L0–L2 pass through), an OpenAI chunk (L3) or a
 * Responses event (L3resp, whose stream ends with `response.completed` rather than `[DONE]`) or
 * an Anthropic event (L3msg, ending with `message_stop`).
 */
function readEvent(data: string, dialect: Dialect): { text: string; done: boolean } {
  const j = JSON.parse(data);
  if (dialect === "oci") return { text: j.message?.content?.[0]?.text ?? "", done: false };
  if (dialect === "responses")
    return {
      text: j.type === "response.output_text.delta" ? (j.delta ?? "") : "",
      done: j.type === "response.completed",
    };
  if (dialect === "anthropic")
    return {
      text: j.type === "content_block_delta" && j.delta?.type === "text_delta" ? (j.delta.text ?? "") : "",
      done: j.type === "message_stop",
    };
  return { text: j.choices?.[0]?.delta?.content ?? "", done: false };
}

/** One streamed request, every text event timestamped on arrival; content checked byte-exact. */
export async function streamOnce(
  t: Target,
  body: Uint8Array<ArrayBuffer>,
  dialect: Dialect,
  events: number,
  signal?: AbortSignal,
): Promise<StreamResult> {
  assertLoopback(t.url);
  const start = performance.now();
  const times: number[] = [];
  let text = "";
  let done = false;
  try {
    const res = await fetch(t.url, { method: "POST", headers: t.headers, body, signal });
    if (res.status !== 200 || !res.body)
      return {
        ok: false,
        ttftMs: NaN,
        gaps: [],
        totalMs: NaN,
        error: `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`,
      };
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of res.body) {
      const now = performance.now();
      buf += dec.decode(chunk, { stream: true });
      for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        for (const line of frame.split("\n")) {
          if (!line.startsWith("data:")) continue;
          const data = line.slice(5).trim();
          if (data === "[DONE]") {
            done = true;
            continue;
          }
          const ev = readEvent(data, dialect);
          if (ev.done) done = true;
          const piece = ev.text;
          if (piece) {
            times.push(now);
            text += piece;
          }
        }
      }
    }
  } catch (e) {
    return { ok: false, ttftMs: NaN, gaps: [], totalMs: NaN, error: String(e) };
  }
  const gaps = times.slice(1).map((x, k) => x - times[k]!);
  const want = expectedText(events);
  const ok = done && text === want;
  return {
    ok,
    ttftMs: times[0]! - start,
    gaps,
    totalMs: performance.now() - start,
    ...(ok
      ? {}
      : { error: `content mismatch or no end of stream (done=${done}, got ${JSON.stringify(text.slice(0, 60))})` }),
  };
}

/** Streams started open loop at `rate` per second for `seconds`. */
export async function streamLoad(
  t: Target,
  body: Uint8Array<ArrayBuffer>,
  dialect: Dialect,
  events: number,
  rate: number,
  seconds: number,
): Promise<StreamResult[]> {
  return (await streamLoadMixed([{ t, body, dialect }], events, rate, seconds))[0]!;
}

/** The same over several kinds of stream taken in turn (as `openLoopMixed`), one list per kind. */
export async function streamLoadMixed(
  loads: Array<Load & { dialect: Dialect }>,
  events: number,
  rate: number,
  seconds: number,
): Promise<StreamResult[][]> {
  const n = Math.max(loads.length, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const t0 = performance.now() + 2;
  const all: Promise<StreamResult>[] = [];
  const ctrl = new AbortController();
  for (let i = 0; i < n; i++) {
    const wait = t0 + i * interval - performance.now();
    if (wait > 0.5) await Bun.sleep(wait);
    const { t, body, dialect } = loads[i % loads.length]!;
    all.push(streamOnce(t, body, dialect, events, ctrl.signal));
  }
  const timer = setTimeout(() => ctrl.abort(), 30_000);
  const out = await Promise.all(all);
  clearTimeout(timer);
  return loads.map((_, k) => out.filter((_, i) => i % loads.length === k));
}
