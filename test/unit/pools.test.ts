/**
 * Pools without HTTP: llm_models.json's pool entries, member health (parking, the breaker and its
 * probe) on an injected clock, the strategies' order, and routing over members that fail the
 * ways OCI fails (as the transport reports them).
 */
import { describe, expect, test } from "bun:test";
import { parseModels } from "../../src/config/models";
import { formatProblem, type ModelAlias } from "../../src/config/types";
import { ApiError } from "../../src/errors/api-error";
import { UpstreamError } from "../../src/errors/upstream-error";
import { DEFAULT_PARK_MS, MemberHealth } from "../../src/pools/member-health";
import { PoolHealth } from "../../src/pools/pool-health";
import { Pools } from "../../src/pools/pools";
import { memberFailure, type PoolTrace, routePool } from "../../src/pools/route-pool";

const C = "ocid1.compartment.oc1..aaaa";
const model = (id: string, region = "us-chicago-1") => ({ id, region, compartmentId: C });
const parse = (models: Record<string, unknown>) => parseModels(JSON.stringify(models), "llm_models.json", undefined);
const problems = (models: Record<string, unknown>) => parse(models).problems.map(formatProblem);

describe("pool entries in llm_models.json", () => {
  test("a pool takes its first model's region; members, strategy, breaker and attempt time are read", () => {
    const { aliases, problems: p } = parse({
      ord: model("meta.llama-3.3-70b-instruct"),
      fra: model("meta.llama-3.3-70b-instruct", "eu-frankfurt-1"),
      llama: {
        type: "pool",
        members: ["fra", "ord"],
        strategy: "least_busy",
        breaker: { failures: 5, open_seconds: 2.5 },
        attempt_timeout_seconds: 20,
        names: ["llama-*"],
      },
    });
    expect(p).toEqual([]);
    const pool = aliases.get("llama")!;
    expect(pool).toMatchObject({ type: "pool", region: "eu-frankfurt-1", compartmentId: C, params: {} });
    expect(pool.names).toEqual(["llama-*"]);
    expect(pool.pool).toEqual({
      members: ["fra", "ord"],
      strategy: "least_busy",
      kind: "chat",
      breaker: { failures: 5, openMs: 2500 },
      attemptTimeoutMs: 20_000,
    });
    expect([...aliases.keys()]).toEqual(["ord", "fra", "llama"]);
  });

  test("defaults: round_robin, 3 failures, 30 s; pools of pools are allowed", () => {
    const { aliases, problems: p } = parse({
      a: model("meta.llama-3.3-70b-instruct"),
      b: model("meta.llama-3.3-70b-instruct"),
      inner: { type: "pool", members: ["a", "b"] },
      outer: { type: "pool", members: ["inner", "a"] },
    });
    expect(p).toEqual([]);
    expect(aliases.get("inner")!.pool).toEqual({
      members: ["a", "b"],
      strategy: "round_robin",
      kind: "chat",
      breaker: { failures: 3, openMs: 30_000 },
    });
    expect(aliases.get("outer")!.pool!.members).toEqual(["inner", "a"]);
  });

  test("every problem is named: unknown or agent members, cycles, mixed kinds, bad fields", () => {
    const found = problems({
      chat: model("meta.llama-3.3-70b-instruct"),
      emb: model("cohere.embed-english-v3.0"),
      agent: { id: "ocid1.genaiagentendpoint.oc1..x", region: "us-chicago-1", type: "agent" },
      missing: { type: "pool", members: ["chat", "nope"] },
      agents: { type: "pool", members: ["agent"] },
      loopA: { type: "pool", members: ["loopB"] },
      loopB: { type: "pool", members: ["loopA"] },
      mixed: { type: "pool", members: ["chat", "emb"] },
      empty: { type: "pool", members: [] },
      self: { type: "pool", members: ["self", "chat", "chat"] },
      fields: { type: "pool", members: ["chat"], region: "us-chicago-1", strategy: "random", breaker: { failures: 0 } },
      slow: { type: "pool", members: ["chat"], attempt_timeout_seconds: 0 },
    });
    const expectProblem = (alias: string, field: string, words: string) =>
      expect(
        found.some((f) => f.includes(`alias '${alias}'`) && f.includes(`field '${field}'`) && f.includes(words)),
      ).toBe(true);
    expectProblem("missing", "members[1]", "'nope' is not an alias");
    expectProblem("agents", "members[0]", "is an agent");
    expectProblem("loopA", "members", "loopA → loopB → loopA");
    expectProblem("loopB", "members", "loopB → loopA → loopB");
    expectProblem("mixed", "members", "mix chat, embedding and rerank models");
    expectProblem("empty", "members", "required");
    expectProblem("self", "members[0]", "its own member");
    expectProblem("self", "members[2]", "listed twice");
    expectProblem("fields", "region", "not used by a pool");
    expectProblem("fields", "strategy", "round_robin, least_busy, ordered");
    expectProblem("fields", "breaker.failures", "integer from 1");
    expectProblem("slow", "attempt_timeout_seconds", "above 0");
  });

  test("a pool over a broken pool is not loaded either", () => {
    const { aliases, problems: p } = parse({
      chat: model("meta.llama-3.3-70b-instruct"),
      bad: { type: "pool", members: ["nope"] },
      outer: { type: "pool", members: ["bad", "chat"] },
    });
    expect(p.length).toBe(1);
    expect(aliases.has("outer")).toBe(false);
  });
});

describe("member health", () => {
  const breaker = { failures: 3, openMs: 30_000 };

  test("a 429 parks for Retry-After (1 s without one); the member is skipped until then", () => {
    const h = new MemberHealth(breaker);
    h.failed({ kind: "throttled", reason: "429", retryAfterMs: 7000 }, false, 1000);
    expect(h.take(7999)).toEqual({ go: false, state: "parked", until: 8000 });
    expect(h.take(8000)).toEqual({ go: true, probe: false });
    h.failed({ kind: "throttled", reason: "429" }, false, 10_000);
    expect(h.state(10_000 + DEFAULT_PARK_MS - 1)).toBe("parked");
    expect(h.state(10_000 + DEFAULT_PARK_MS)).toBe("up");
    expect(h.failures).toBe(0);
  });

  test("N failures in a row open the breaker; one probe after it; the probe's answer decides", () => {
    const h = new MemberHealth(breaker);
    h.failed({ kind: "failed", reason: "500" }, false, 0);
    h.succeeded(false);
    h.failed({ kind: "failed", reason: "500" }, false, 0);
    h.failed({ kind: "failed", reason: "network" }, false, 0);
    expect(h.state(0)).toBe("up");
    h.failed({ kind: "failed", reason: "timeout" }, false, 100);
    expect(h.take(30_099)).toEqual({ go: false, state: "open", until: 30_100 });
    expect(h.take(30_100)).toEqual({ go: true, probe: true });
    // One probe at a time.
    expect(h.take(30_101)).toMatchObject({ go: false, state: "half_open" });
    h.failed({ kind: "failed", reason: "503" }, true, 31_000);
    expect(h.take(60_999)).toMatchObject({ go: false, state: "open" });
    expect(h.take(61_000)).toEqual({ go: true, probe: true });
    h.succeeded(true);
    expect(h.state(61_001)).toBe("up");
    expect(h.take(61_001)).toEqual({ go: true, probe: false });
  });

  test("a throttled answer ends the failures in a row: a throttled probe closes the breaker counting from none", () => {
    const h = new MemberHealth(breaker); // 3 failures, 30 s
    for (const at of [0, 1, 2]) h.failed({ kind: "failed", reason: "500" }, false, at);
    expect(h.take(30_002)).toEqual({ go: true, probe: true });
    h.failed({ kind: "throttled", reason: "429", retryAfterMs: 1000 }, true, 30_010);
    expect(h.state(31_010)).toBe("up");
    h.failed({ kind: "failed", reason: "500" }, false, 31_020);
    expect(h.state(31_020)).toBe("up"); // one failure, not the breaker's fourth
    h.failed({ kind: "failed", reason: "500" }, false, 31_030);
    h.failed({ kind: "throttled", reason: "429", retryAfterMs: 1 }, false, 31_040);
    h.failed({ kind: "failed", reason: "500" }, false, 31_050);
    expect(h.state(31_050)).toBe("up"); // the 429 broke the row
  });

  test("a probe that meets a bad request or a client gone lets the next request probe", () => {
    const h = new MemberHealth({ failures: 1, openMs: 10 });
    h.failed({ kind: "failed", reason: "500" }, false, 0);
    expect(h.take(10)).toEqual({ go: true, probe: true });
    h.neutral(true);
    expect(h.take(11)).toEqual({ go: true, probe: true });
  });
});

const aliasMap = (pool: Partial<NonNullable<ModelAlias["pool"]>> & { members: readonly string[] }) => {
  const m = new Map<string, ModelAlias>();
  for (const name of pool.members)
    m.set(name, { alias: name, id: "meta.llama-3.3-70b-instruct", type: "model", region: "us-chicago-1", params: {} });
  const p: ModelAlias = {
    alias: "p",
    id: "p",
    type: "pool",
    region: "us-chicago-1",
    params: {},
    pool: { strategy: "round_robin", kind: "chat", breaker: { failures: 3, openMs: 30_000 }, ...pool },
  };
  m.set("p", p);
  return { pool: p, aliases: m };
};

describe("strategies", () => {
  test("ordered: always as listed; round_robin: one further each time", () => {
    const h = new PoolHealth();
    const ordered = aliasMap({ members: ["a", "b", "c"], strategy: "ordered" }).pool;
    expect([h.order(ordered), h.order(ordered)]).toEqual([
      ["a", "b", "c"],
      ["a", "b", "c"],
    ]);
    const rr = aliasMap({ members: ["a", "b", "c"] }).pool;
    expect([h.order(rr), h.order(rr), h.order(rr), h.order(rr)]).toEqual([
      ["a", "b", "c"],
      ["b", "c", "a"],
      ["c", "a", "b"],
      ["a", "b", "c"],
    ]);
  });

  test("least_busy: fewest requests in progress first, ties in round-robin order", () => {
    const h = new PoolHealth();
    const pool = aliasMap({ members: ["a", "b", "c"], strategy: "least_busy" }).pool;
    h.member(pool, "a").inFlight = 2;
    h.member(pool, "b").inFlight = 1;
    expect(h.order(pool)).toEqual(["c", "b", "a"]);
    h.member(pool, "c").inFlight = 1;
    expect(h.order(pool)).toEqual(["b", "c", "a"]);
  });
});

const http = (status: number, retryAfter?: string) =>
  new UpstreamError("http", `status ${status}`, { status, retryAfter });

describe("routing", () => {
  function setup(members: string[], extra: Partial<NonNullable<ModelAlias["pool"]>> = {}) {
    let now = 1_000_000;
    const health = new PoolHealth(() => now);
    const { pool, aliases } = aliasMap({ members, strategy: "ordered", ...extra });
    const calls: string[] = [];
    const run = (behaviour: Record<string, () => unknown>, trace: PoolTrace = {}) =>
      routePool(health, {
        pool,
        resolve: (n) => aliases.get(n),
        signal: new AbortController().signal,
        deadlineAt: now + 60_000,
        trace,
        attempt: async (m, lease) => {
          calls.push(m.alias);
          try {
            const b = behaviour[m.alias];
            return b ? b() : `answer from ${m.alias}`;
          } finally {
            lease.release();
          }
        },
      });
    return { health, pool, calls, run, advance: (ms: number) => (now += ms) };
  }

  test("429, 5xx, network and timeouts move on; the trace names who answered and who was tried", async () => {
    for (const e of [
      http(429),
      http(500),
      http(503),
      new UpstreamError("network", "reset"),
      new UpstreamError("timeout", "t"),
    ]) {
      const { run, calls } = setup(["a", "b"]);
      const trace: PoolTrace = {};
      expect(await run({ a: () => Promise.reject(e) }, trace)).toBe("answer from b");
      expect(calls).toEqual(["a", "b"]);
      expect(trace.servedBy).toBe("b");
      expect(trace.tried![1]).toBe("b:ok");
    }
  });

  test("a bad request or a 404 is the answer: no other member is asked", async () => {
    for (const e of [http(400), http(404), new ApiError(400, "bad", { type: "invalid_request_error" })]) {
      const { run, calls } = setup(["a", "b"]);
      expect(run({ a: () => Promise.reject(e) })).rejects.toBe(e);
      await Bun.sleep(0);
      expect(calls).toEqual(["a"]);
    }
  });

  test("a parked member is skipped until its Retry-After passes", async () => {
    const { run, calls, advance } = setup(["a", "b"]);
    await run({ a: () => Promise.reject(http(429, "5")) });
    calls.length = 0;
    await run({});
    expect(calls).toEqual(["b"]);
    advance(5000);
    calls.length = 0;
    await run({});
    expect(calls).toEqual(["a"]);
  });

  test("every member throttled: 429 with the Retry-After of the first one back", async () => {
    const { run } = setup(["a", "b"]);
    const e = (await run({ a: () => Promise.reject(http(429, "5")), b: () => Promise.reject(http(429, "2")) }).catch(
      (x) => x,
    )) as ApiError;
    expect(e.status).toBe(429);
    expect(e.headers["retry-after"]).toBe("2");
    expect(e.message).toContain("a (429), b (429)");
  });

  test("the breaker: 3 failures open it; skipped; after the open time one probe closes it again", async () => {
    const { run, calls, advance, health, pool } = setup(["a", "b"], { breaker: { failures: 3, openMs: 30_000 } });
    for (let i = 0; i < 3; i++) await run({ a: () => Promise.reject(http(502)) });
    expect(health.member(pool, "a").state(health.clock())).toBe("open");
    calls.length = 0;
    await run({});
    expect(calls).toEqual(["b"]);
    advance(30_000);
    calls.length = 0;
    expect(await run({})).toBe("answer from a");
    expect(calls).toEqual(["a"]);
    expect(health.report(new Map([["p", pool]])).p!.members[0]!.state).toBe("up");
  });

  test("all members failing or open: 503 naming each, with when to try again", async () => {
    const { run, advance } = setup(["a", "b"], { breaker: { failures: 1, openMs: 10_000 } });
    const fail = () => Promise.reject(http(500));
    let e = (await run({ a: fail, b: fail }).catch((x) => x)) as ApiError;
    expect(e.status).toBe(503);
    expect(e.code).toBe("pool_unavailable");
    expect(e.message).toContain("a (500), b (500)");
    advance(4000);
    e = (await run({}).catch((x) => x)) as ApiError;
    expect(e.status).toBe(503);
    expect(e.message).toContain("a (open), b (open)");
    expect(e.headers["retry-after"]).toBe("6");
  });

  test("the deadline ends failover: its own failure is the answer", async () => {
    const { run, advance } = setup(["a", "b"]);
    const timeout = new UpstreamError("timeout", "no answer before the request's deadline");
    const calls: string[] = [];
    const e = await run({
      a: () => {
        calls.push("a");
        advance(60_000);
        return Promise.reject(timeout);
      },
    }).catch((x) => x);
    expect(e).toBe(timeout);
    expect(calls).toEqual(["a"]);
  });

  test("memberFailure: which errors another member might not have", () => {
    expect(memberFailure(http(429, "3"))).toEqual({ kind: "throttled", reason: "429", retryAfterMs: 3000 });
    expect(memberFailure(http(504))).toEqual({ kind: "failed", reason: "504" });
    expect(memberFailure(new UpstreamError("idle", "x"))).toEqual({ kind: "failed", reason: "idle" });
    expect(memberFailure(new UpstreamError("bad_response", "x"))).toEqual({ kind: "failed", reason: "bad_response" });
    expect(memberFailure(http(401))).toBeUndefined();
    expect(memberFailure(new Error("bug"))).toBeUndefined();
  });
});

describe("pools of pools", () => {
  const m = (alias: string): ModelAlias => ({
    alias,
    id: "meta.llama-3.3-70b-instruct",
    type: "model",
    region: "us-chicago-1",
    params: {},
  });
  const pool = (alias: string, members: string[], strategy: "ordered" | "least_busy" = "ordered"): ModelAlias => ({
    alias,
    id: alias,
    type: "pool",
    region: "us-chicago-1",
    params: {},
    pool: { members, strategy, kind: "chat", breaker: { failures: 3, openMs: 30_000 } },
  });
  /** a, b and c; `inner` = [a, b]; `outer` = [inner, c]. */
  const nested = (strategy?: "ordered" | "least_busy") =>
    new Map<string, ModelAlias>([
      ["a", m("a")],
      ["b", m("b")],
      ["c", m("c")],
      ["inner", pool("inner", ["a", "b"], strategy)],
      ["outer", pool("outer", ["inner", "c"], strategy)],
    ]);

  test("an inner pool's failure moves the outer one on; the served-by names the model", async () => {
    const aliases = nested();
    const pools = new Pools(new PoolHealth(), { aliases: () => aliases, upstreamTimeoutMs: 60_000 });
    const trace: PoolTrace = {};
    const answer = await pools.run(
      aliases.get("outer")!,
      { signal: new AbortController().signal, trace },
      async (member, lease) => {
        lease.release();
        if (member.alias !== "c") throw http(503);
        return member.alias;
      },
    );
    expect(answer).toBe("c");
    expect(trace).toEqual({ servedBy: "c", tried: ["a:503", "b:503", "c:ok"] });
    expect(pools.health.member(aliases.get("outer")!, "inner").inFlight).toBe(0);
  });

  test("a pool inside a pool stays in progress while its member's answer does (a stream until it ends)", async () => {
    const aliases = nested("least_busy");
    const pools = new Pools(new PoolHealth(), { aliases: () => aliases, upstreamTimeoutMs: 60_000 });
    const outer = aliases.get("outer")!;
    // An answer that outlives its attempt (a stream): the lease is released when it ends.
    const open: Array<() => void> = [];
    const stream = () =>
      pools.run(outer, { signal: new AbortController().signal }, async (member, lease) => {
        open.push(() => lease.release());
        return member.alias;
      });
    const first = await stream();
    expect(first).toBe("a"); // through inner
    expect(pools.health.member(outer, "inner").inFlight).toBe(1);
    expect(await stream()).toBe("c"); // inner is busy
    open.shift()!(); // the first stream ends
    expect(pools.health.member(outer, "inner").inFlight).toBe(0);
    expect(pools.health.member(aliases.get("inner")!, "a").inFlight).toBe(0);
    open.shift()!();
    expect(pools.health.member(outer, "c").inFlight).toBe(0);
  });
});
