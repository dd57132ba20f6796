/**
 * Shared plumbing of the fault-injection suite: a fake OCI with the test key, gateways started
 * from source against it, SSE reading with timestamps, raw HTTP for bytes fetch would normalize,
 * RSS of a process, and the gateway's JSON log lines.
 */

import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { type FakeOci, startFakeOci } from "../support/fake-oci";
import { type Gateway, startGateway, tempDir, testModels, writeModels } from "../support/gateway";
import { makeTestCredentials, type TestCredentials } from "../support/keys";

export interface Rig {
  dir: string;
  creds: TestCredentials;
  fake: FakeOci;
  /** Every gateway started through `gateway()`; `stopAll()` stops them by pid. */
  gateways: Gateway[];
  gateway(env?: Record<string, string | undefined>, models?: Record<string, unknown>): Promise<Gateway>;
  stopAll(): Promise<void>;
}

/** One temp config dir with credentials and the test models, one fake OCI that knows the key. */
export async function makeRig(opts: { streamGapMs?: number } = {}): Promise<Rig> {
  const dir = tempDir("ocigenai-faults-");
  const creds = await makeTestCredentials(dir, { relativeKeyFile: true });
  const fake = await startFakeOci({ keys: [creds], streamGapMs: opts.streamGapMs });
  writeModels(dir);
  const gateways: Gateway[] = [];
  return {
    dir,
    creds,
    fake,
    gateways,
    async gateway(env = {}, models) {
      let configDir = dir;
      if (models) {
        // A private copy of the config dir so the shared llm_models.json stays as it is.
        configDir = tempDir("ocigenai-faults-cfg-");
        await makeTestCredentials(configDir, { relativeKeyFile: true });
        writeModels(configDir, testModels(models));
      }
      const g = await startGateway({
        args: ["--config-dir", configDir],
        env: { OCI_INFERENCE_ENDPOINT: fake.url, SESSION_STORE: "memory", ...env },
      });
      gateways.push(g);
      return g;
    },
    async stopAll() {
      for (const g of gateways) await stopHard(g);
      await fake.stop();
    },
  };
}

/** SIGTERM, then SIGKILL after 3 s; never waits forever. */
export async function stopHard(g: Gateway): Promise<void> {
  if (g.proc.exitCode !== null || g.proc.signalCode !== null) return;
  try {
    process.kill(g.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      if (g.proc.exitCode === null) process.kill(g.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, 3000);
  await g.proc.exited;
  clearTimeout(timer);
}

/** Resolves with the exit code, or undefined when the process is still running after `ms`. */
export async function exitWithin(g: Gateway, ms: number): Promise<number | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const r = await Promise.race([
    g.proc.exited,
    new Promise<undefined>((res) => (timer = setTimeout(() => res(undefined), ms))),
  ]);
  clearTimeout(timer);
  return r;
}

export const JSON_HEADERS = { "content-type": "application/json" };

export function post(
  g: Gateway,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(g.url + path, {
    method: "POST",
    headers: { ...JSON_HEADERS, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal,
  });
}

export function chatBody(text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: "llama", messages: [{ role: "user", content: text }], ...extra };
}

/** A GENERIC streaming delta event, as OCI sends it. */
export function ev(text: string): Record<string, unknown> {
  return { index: 0, message: { role: "ASSISTANT", content: [{ type: "TEXT", text }] }, pad: "aaa" };
}

export const FINISH = {
  message: { role: "ASSISTANT", content: [{ type: "TEXT", text: "" }] },
  finishReason: "stop",
  pad: "a",
};

/** A complete non-streaming GENERIC answer. */
export function genericAnswer(text: string): Record<string, unknown> {
  return {
    modelId: "meta.llama-3.3-70b-instruct",
    modelVersion: "1.0.0",
    chatResponse: {
      apiFormat: "GENERIC",
      timeCreated: new Date().toISOString(),
      choices: [{ index: 0, message: { role: "ASSISTANT", content: [{ type: "TEXT", text }] }, finishReason: "stop" }],
      usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 },
    },
  };
}

export interface SseRead {
  /** `data:` payloads in order (without the prefix). */
  events: string[];
  /** performance.now() at which each event was parsed. */
  times: number[];
  comments: number;
  /** Set when the body broke instead of ending. */
  broken?: string;
}

/** Reads a whole SSE body (bounded by `timeoutMs`; the reader is cancelled past it). */
export async function readSse(res: Response, timeoutMs = 15_000): Promise<SseRead> {
  const out: SseRead = { events: [], times: [], comments: 0 };
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = "";
  const timer = setTimeout(() => reader.cancel().catch(() => {}), timeoutMs);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (frame.startsWith("data: ")) {
          out.events.push(frame.slice(6));
          out.times.push(performance.now());
        } else if (frame.startsWith(":")) out.comments++;
      }
    }
  } catch (e) {
    out.broken = (e as Error).message ?? String(e);
  } finally {
    clearTimeout(timer);
  }
  return out;
}

/** Text of the OpenAI chunks' content deltas. */
export function chunkText(events: string[]): string {
  return events
    .filter((e) => e !== "[DONE]")
    .map((e) => JSON.parse(e) as { choices?: Array<{ delta?: { content?: string } }> })
    .map((c) => c.choices?.[0]?.delta?.content ?? "")
    .join("");
}

/** Resident set size of a process in kB, from /proc/<pid>/status. */
export function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const port = s.port!;
  await s.stop(true);
  return port;
}

/**
 * Sends bytes exactly as given (request line included) and returns what came back before the
 * server closed the connection or `timeoutMs` passed. For paths fetch would normalize.
 */
export function rawHttp(port: number, request: string | Uint8Array, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const sock = connect({ host: "127.0.0.1", port });
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(Buffer.concat(chunks).toString("latin1"));
    };
    const timer = setTimeout(done, timeoutMs);
    sock.on("connect", () => sock.write(request));
    sock.on("data", (c: Buffer) => {
      chunks.push(c);
      // One answer is enough: stop once a full Content-Length body arrived.
      const text = Buffer.concat(chunks).toString("latin1");
      const head = text.indexOf("\r\n\r\n");
      const len = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, head));
      if (head >= 0 && len && text.length - head - 4 >= Number(len[1])) done();
    });
    sock.on("error", done);
    sock.on("close", done);
  });
}

/** Status code of a raw HTTP answer, or 0 when there was none. */
export function rawStatus(answer: string): number {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
  return m ? Number(m[1]) : 0;
}

/** Parsed JSON lines of a gateway's output (banner and other text skipped). */
export function logLines(g: Gateway): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of g.output().split("\n")) {
    const t = line.trim();
    if (!t.startsWith("{")) continue;
    try {
      out.push(JSON.parse(t) as Record<string, unknown>);
    } catch {
      // not a log line
    }
  }
  return out;
}

/** The access-log lines ("request") for one request id. */
export function requestLines(g: Gateway, requestId: string): Array<Record<string, unknown>> {
  return logLines(g).filter((l) => l.msg === "request" && l.requestId === requestId);
}

/** Polls `cond` every 20 ms for at most `ms`; returns whether it became true. */
export async function eventually(cond: () => boolean, ms = 2000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await Bun.sleep(20);
  }
  return cond();
}

/** Prometheus sample value (sum over series matching every given label), or 0. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const ls = m[2] ?? "";
    if (Object.entries(labels).every(([k, v]) => ls.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

export function rid(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Body of a raw HTTP/1.1 answer, de-chunked when `transfer-encoding: chunked`. */
export function httpBody(raw: Buffer): { head: string; body: Buffer } {
  const sep = raw.indexOf("\r\n\r\n");
  if (sep < 0) return { head: raw.toString("latin1"), body: Buffer.alloc(0) };
  const head = raw.subarray(0, sep).toString("latin1");
  const rest = raw.subarray(sep + 4);
  if (!/\r\ntransfer-encoding:\s*chunked/i.test(head)) return { head, body: rest };
  const parts: Buffer[] = [];
  let at = 0;
  for (let guard = 0; guard < 10_000_000 && at < rest.length; guard++) {
    const eol = rest.indexOf("\r\n", at);
    if (eol < 0) break;
    const size = parseInt(rest.subarray(at, eol).toString("latin1"), 16);
    if (!(size > 0)) break;
    parts.push(rest.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return { head, body: Buffer.concat(parts) };
}
