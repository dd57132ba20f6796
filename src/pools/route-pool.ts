import type { ModelAlias } from "../config/types";
import { ApiError } from "../errors/api-error";
import { UpstreamError } from "../errors/upstream-error";
import { parseRetryAfter } from "../oci/retry-policy";
import type { Failure } from "./member-health";
import type { PoolHealth } from "./pool-health";

/** Where a pooled call went, for the `x-ocigenai-served-by` header and the request's log line. */
export interface PoolTrace {
  /** The model alias that answered. */
  servedBy?: string;
  /** Each member called, in order, with how it ended: `llama-ord:429`, `llama-fra:ok`. */
  tried?: string[];
}

/** One call on one member; `release` ends its time as "in progress" (a stream's, when it ends). */
export interface MemberLease {
  readonly deadlineAt: number;
  release(): void;
}

export interface PoolRun<T> {
  pool: ModelAlias;
  /** The alias a member name means in the config in force. */
  resolve(name: string): ModelAlias | undefined;
  /** One attempt on one member (a model, or a pool of them); the lease is released on failure. */
  attempt(member: ModelAlias, lease: MemberLease): Promise<T>;
  signal: AbortSignal;
  /** Failover and the members' own retries all end by then (epoch ms). */
  deadlineAt: number;
  trace?: PoolTrace;
}

/** Thrown when no member could answer; a pool inside a pool treats it as that member's failure. */
export class PoolExhaustedError extends ApiError {}

/**
 * Tries the pool's members in its strategy's order (docs/several-regions.md): a member parked or
 * with its breaker open is skipped; one that fails in a way another member could fix (429, 5xx,
 * network, timeouts) before the client saw anything is left for the next; anything else — a bad
 * request, the client gone — is the answer. All within one deadline.
 */
export async function routePool<T>(health: PoolHealth, run: PoolRun<T>): Promise<T> {
  const { pool, trace } = run;
  const outcomes: Array<{ member: string; why: string; throttled: boolean; until?: number }> = [];
  let last: unknown;
  for (const name of health.order(pool)) {
    if (run.signal.aborted) throw run.signal.reason;
    if (health.clock() >= run.deadlineAt) break;
    const member = run.resolve(name);
    if (!member) continue;
    const h = health.member(pool, name);
    const take = h.take(health.clock());
    if (!take.go) {
      outcomes.push({
        member: name,
        why: take.state.replace("_", "-"),
        throttled: take.state === "parked",
        until: take.until,
      });
      continue;
    }
    h.inFlight++;
    let held = true;
    const attemptMs = pool.pool?.attemptTimeoutMs;
    const lease: MemberLease = {
      deadlineAt: attemptMs === undefined ? run.deadlineAt : Math.min(run.deadlineAt, health.clock() + attemptMs),
      release: () => {
        if (held) h.inFlight--;
        held = false;
      },
    };
    const leaf = member.type !== "pool";
    try {
      const value = await run.attempt(member, lease);
      h.succeeded(take.probe);
      if (trace) {
        if (leaf) note(trace, `${name}:ok`);
        trace.servedBy ??= name;
      }
      return value;
    } catch (e) {
      lease.release();
      const f = run.signal.aborted ? undefined : memberFailure(e);
      if (trace && leaf) note(trace, `${name}:${f?.reason ?? statusOf(e)}`);
      if (!f) {
        h.neutral(take.probe);
        throw e;
      }
      h.failed(f, take.probe, health.clock());
      const now = health.clock();
      outcomes.push({
        member: name,
        why: f.reason,
        throttled: f.kind === "throttled",
        until: h.parkedUntil > now ? h.parkedUntil : h.openUntil > now ? h.openUntil : undefined,
      });
      last = e;
    }
  }
  // The deadline, not the members, ended it: the last failure says best what happened.
  if (last !== undefined && health.clock() >= run.deadlineAt) throw last;
  throw exhausted(pool.alias, outcomes, health.clock());
}

function note(trace: PoolTrace, entry: string): void {
  if (trace.tried) trace.tried.push(entry);
  else trace.tried = [entry];
}

/** Whether an error is one another member might not have: throttling, OCI failing, OCI unreachable. */
export function memberFailure(e: unknown): Failure | undefined {
  if (e instanceof PoolExhaustedError)
    return e.status === 429
      ? { kind: "throttled", reason: "429", retryAfterMs: retryAfterOf(e) }
      : { kind: "failed", reason: String(e.status) };
  if (!(e instanceof UpstreamError)) return undefined;
  if (e.failure !== "http") return { kind: "failed", reason: e.failure };
  const status = e.init.status ?? 0;
  if (status === 429) {
    const asked = e.init.retryAfter === undefined ? undefined : parseRetryAfter(e.init.retryAfter);
    return { kind: "throttled", reason: "429", retryAfterMs: asked };
  }
  if (status >= 500) return { kind: "failed", reason: String(status) };
  return undefined;
}

function retryAfterOf(e: ApiError): number | undefined {
  const v = e.headers?.["retry-after"];
  return v === undefined ? undefined : Number(v) * 1000;
}

function statusOf(e: unknown): string {
  if (e instanceof UpstreamError) return e.init.status ? String(e.init.status) : e.failure;
  if (e instanceof ApiError) return String(e.status);
  return "error";
}

/**
 * No member could answer: 429 when every one is throttled (Retry-After: until the first is
 * back), else 503 (Retry-After: until the first parked or open member is tried again, if known).
 */
function exhausted(
  pool: string,
  outcomes: ReadonlyArray<{ member: string; why: string; throttled: boolean; until?: number }>,
  now: number,
): PoolExhaustedError {
  const list = outcomes.map((o) => `${o.member} (${o.why})`).join(", ");
  const untils = outcomes.map((o) => o.until).filter((u): u is number => u !== undefined && u > now);
  const retry = untils.length > 0 ? Math.max(1, Math.ceil((Math.min(...untils) - now) / 1000)) : undefined;
  const headers: Record<string, string> = retry === undefined ? {} : { "retry-after": String(retry) };
  const allThrottled = outcomes.length > 0 && outcomes.every((o) => o.throttled);
  if (allThrottled)
    return new PoolExhaustedError(429, `Every member of pool '${pool}' is throttled: ${list}`, {
      type: "rate_limit_error",
      code: "rate_limit_exceeded",
      headers,
    });
  return new PoolExhaustedError(
    503,
    outcomes.length > 0
      ? `No member of pool '${pool}' could answer: ${list}`
      : `No member of pool '${pool}' is configured any more`,
    { type: "service_unavailable", code: "pool_unavailable", headers },
  );
}
