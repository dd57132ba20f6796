/** Agent sessions: auto/manual mode, recovery, per-key serialization, open/close, store failures (CONTRACT §6; src/agents/session-manager.ts). */

import { describe, expect, test } from "bun:test";
import { storeKey } from "../../src/agents/session-key";
import { EXPIRED_SESSION, SessionManager } from "../../src/agents/session-manager";
import type { ModelAlias } from "../../src/config/types";
import { LOCAL_OWNER } from "../../src/config/types";
import { ApiError } from "../../src/errors/api-error";
import { UpstreamError } from "../../src/errors/upstream-error";
import type { CallOptions } from "../../src/oci/transport";
import type { AgentChatDetails, AgentCreateSessionDetails } from "../../src/oci/wire";
import { MemorySessionStore } from "../../src/state/memory";
import { type SessionStore, StoreUnavailableError } from "../../src/state/types";
import { stubTransport } from "../support/stub-transport";

const ALIAS: ModelAlias = {
  alias: "my-agent",
  id: "ocid1.genaiagentendpoint.oc1..e1",
  type: "agent",
  region: "us-chicago-1",
  params: {},
};
const OTHER_ALIAS: ModelAlias = { ...ALIAS, alias: "other-agent", id: "ocid1.genaiagentendpoint.oc1..e2" };
const call = (): CallOptions => ({ signal: new AbortController().signal, requestId: "req-test" });
const target = (over: Partial<{ owner: string; channel: string; cuid: string; alias: ModelAlias }> = {}) => ({
  alias: ALIAS,
  owner: "ownerA",
  channel: "web",
  cuid: "u1",
  ...over,
});

const gone = () => new UpstreamError("http", "gone", { status: 404, code: "NotAuthorizedOrNotFound" });
const conflict = () => new UpstreamError("http", "busy", { status: 409, code: "Conflict" });

/** OCI's agent runtime, in memory: sessions live in `live`; ids in `busy` answer 409; anything else unknown answers 404. */
class FakeAgentRuntime {
  readonly live = new Set<string>();
  readonly endpointOf = new Map<string, string>();
  readonly busy = new Set<string>();
  readonly creates: Array<{ agentEndpointId: string; details: AgentCreateSessionDetails }> = [];
  readonly gets: string[] = [];
  readonly deletes: string[] = [];
  readonly chats: Array<{ sessionId: string; details: AgentChatDetails }> = [];
  /** Sessions created from now on are dead at once (OCI 404 on their first chat). */
  createDead = false;
  /** An error for the next agentChat, whatever the session. */
  nextChatError: Error | undefined;
  private n = 0;

  readonly transport = stubTransport({
    createSession: async (_t, agentEndpointId, details) => {
      this.creates.push({ agentEndpointId, details });
      const id = `ocid1.genaiagentsession.oc1..s${++this.n}`;
      if (!this.createDead) this.live.add(id);
      this.endpointOf.set(id, agentEndpointId);
      return {
        body: {
          id,
          displayName: details.displayName,
          welcomeMessage: "Hi, how can I help?",
          timeCreated: "2026-01-01T00:00:00Z",
        },
        opcRequestId: "opc-create",
      };
    },
    getSession: async (_t, _e, sessionId) => {
      this.gets.push(sessionId);
      if (this.busy.has(sessionId)) throw conflict();
      if (!this.live.has(sessionId)) throw gone();
      return { body: { id: sessionId, welcomeMessage: "Hi, how can I help?" }, opcRequestId: "opc-get" };
    },
    deleteSession: async (_t, endpointId, sessionId) => {
      this.deletes.push(sessionId);
      // OCI's sessions belong to their endpoint: another endpoint does not know them.
      if (this.endpointOf.get(sessionId) !== endpointId) throw gone();
      if (!this.live.delete(sessionId)) throw gone();
      return { body: undefined, opcRequestId: "opc-delete" };
    },
    agentChat: async (_t, _e, details) => {
      const sessionId = String(details.sessionId);
      this.chats.push({ sessionId, details });
      if (this.nextChatError) {
        const e = this.nextChatError;
        this.nextChatError = undefined;
        throw e;
      }
      if (this.busy.has(sessionId)) throw conflict();
      if (!this.live.has(sessionId)) throw gone();
      return {
        body: { message: { role: "AGENT", content: { text: `echo: ${details.userMessage}` } } },
        opcRequestId: "opc-chat",
      };
    },
  });
}

interface Setup {
  oci: FakeAgentRuntime;
  store: MemorySessionStore;
  sm: SessionManager;
  turns: Array<{ sessionId: string; fresh: boolean }>;
  /** A turn that records itself and chats with the fake OCI. */
  turn: (sessionId: string, fresh: boolean) => Promise<string>;
}

function setup(o: { ttlMs?: number; lockWaitMs?: number } = {}): Setup {
  const oci = new FakeAgentRuntime();
  const store = new MemorySessionStore();
  const sm = new SessionManager(store, oci.transport, {
    ttlMs: o.ttlMs ?? 7_200_000,
    lockWaitMs: o.lockWaitMs ?? 2000,
    lockLeaseMs: 5000,
  });
  const turns: Setup["turns"] = [];
  const turn = async (sessionId: string, fresh: boolean) => {
    turns.push({ sessionId, fresh });
    const reply = await oci.transport.agentChat(
      { region: ALIAS.region },
      ALIAS.id,
      { userMessage: "m", sessionId, shouldStream: false },
      call(),
    );
    return JSON.stringify(reply.body);
  };
  return { oci, store, sm, turns, turn };
}

/** The rejection of a promise (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection, the promise resolved");
}

async function apiRejection(p: Promise<unknown>): Promise<ApiError> {
  const e = await rejection(p);
  expect(e).toBeInstanceOf(ApiError);
  return e as ApiError;
}

/** Resolves with "timeout" when `p` has not settled within `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  return Promise.race([p, Bun.sleep(ms).then(() => "timeout" as const)]);
}

describe("SessionManager.auto: create, reuse, sliding TTL", () => {
  test("first call creates (reused false, fresh true); the second reuses (reused true, fresh false)", async () => {
    const { oci, store, sm, turns, turn } = setup();
    const first = await sm.auto(target(), call(), turn);
    await first.release();
    expect(first.reused).toBe(false);
    expect(oci.creates).toHaveLength(1);
    expect(oci.creates[0]!.agentEndpointId).toBe(ALIAS.id);
    expect(turns).toEqual([{ sessionId: first.sessionId, fresh: true }]);
    expect(first.result).toContain("echo: m");

    const second = await sm.auto(target(), call(), turn);
    await second.release();
    expect(second.reused).toBe(true);
    expect(second.sessionId).toBe(first.sessionId);
    expect(oci.creates).toHaveLength(1);
    expect(turns[1]).toEqual({ sessionId: first.sessionId, fresh: false });

    const rec = await store.get(storeKey("ownerA", ALIAS.id, "web", "u1"));
    expect(rec?.sessionId).toBe(first.sessionId);
    expect(rec?.owner).toBe("ownerA");
    expect(rec?.agentEndpointId).toBe(ALIAS.id);
    expect(store.heldLocks).toBe(0);
  });

  test("sessions are created with idleTimeoutInSeconds equal to the TTL", async () => {
    const { oci, sm, turn } = setup({ ttlMs: 7_200_000 });
    await (await sm.auto(target(), call(), turn)).release();
    expect(oci.creates[0]!.details.idleTimeoutInSeconds).toBe(7200);
  });

  test("channel, cuid, owner and agent endpoint each make a different conversation", async () => {
    const { oci, sm, turn } = setup();
    const ids = new Set<string>();
    for (const t of [
      target(),
      target({ channel: "mobile" }),
      target({ cuid: "u2" }),
      target({ owner: "ownerB" }),
      target({ alias: OTHER_ALIAS }),
    ]) {
      const o = await sm.auto(t, call(), turn);
      await o.release();
      expect(o.reused).toBe(false);
      ids.add(o.sessionId);
    }
    expect(ids.size).toBe(5);
    expect(oci.creates).toHaveLength(5);
    expect(oci.creates.at(-1)!.agentEndpointId).toBe(OTHER_ALIAS.id);
  });

  test("the TTL slides: uses 60 ms apart keep a 120 ms session alive; an idle gap past the TTL → a new session", async () => {
    const { oci, sm, turns, turn } = setup({ ttlMs: 120 });
    const a = await sm.auto(target(), call(), turn);
    await a.release();
    await Bun.sleep(60);
    const b = await sm.auto(target(), call(), turn);
    await b.release();
    await Bun.sleep(60);
    const c = await sm.auto(target(), call(), turn); // 120+ ms after creation, 60 ms after the last use
    await c.release();
    expect([b.reused, c.reused]).toEqual([true, true]);
    expect(c.sessionId).toBe(a.sessionId);
    expect(oci.creates).toHaveLength(1);

    await Bun.sleep(150);
    const d = await sm.auto(target(), call(), turn);
    await d.release();
    expect(d.reused).toBe(false);
    expect(d.sessionId).not.toBe(a.sessionId);
    expect(turns.at(-1)).toEqual({ sessionId: d.sessionId, fresh: true });
    expect(oci.creates).toHaveLength(2);
  });
});

describe("SessionManager.auto: recovery when OCI says the session is gone or busy", () => {
  for (const [status, expire] of [
    [404, (oci: FakeAgentRuntime, sid: string) => oci.live.delete(sid)],
    [409, (oci: FakeAgentRuntime, sid: string) => oci.busy.add(sid)],
  ] as const) {
    test(`a reused session answering ${status} → forgotten, a new one made, the turn sent again once with fresh=true, reused false`, async () => {
      const { oci, store, sm, turns, turn } = setup();
      const first = await sm.auto(target(), call(), turn);
      await first.release();
      expire(oci, first.sessionId);

      const again = await sm.auto(target(), call(), turn);
      await again.release();
      expect(again.reused).toBe(false);
      expect(again.sessionId).not.toBe(first.sessionId);
      expect(oci.creates).toHaveLength(2);
      // first call's turn, the failed reuse, the single resend
      expect(turns).toEqual([
        { sessionId: first.sessionId, fresh: true },
        { sessionId: first.sessionId, fresh: false },
        { sessionId: again.sessionId, fresh: true },
      ]);
      expect((await store.get(storeKey("ownerA", ALIAS.id, "web", "u1")))?.sessionId).toBe(again.sessionId);
      expect(store.heldLocks).toBe(0);

      const third = await sm.auto(target(), call(), turn);
      await third.release();
      expect(third.reused).toBe(true);
      expect(third.sessionId).toBe(again.sessionId);
    });
  }

  test("a 404 on a just-created session is not retried: it propagates, once", async () => {
    const { oci, store, sm, turns, turn } = setup();
    oci.createDead = true;
    const e = await rejection(sm.auto(target(), call(), turn));
    expect(e).toBeInstanceOf(UpstreamError);
    expect((e as UpstreamError).init.status).toBe(404);
    expect(oci.creates).toHaveLength(1);
    expect(turns).toHaveLength(1);
    expect(turns[0]!.fresh).toBe(true);
    expect(store.heldLocks).toBe(0);
  });

  test("the resend after a 404 is not retried again when the new session answers 404 too", async () => {
    const { oci, sm, turns, turn } = setup();
    const first = await sm.auto(target(), call(), turn);
    await first.release();
    oci.live.delete(first.sessionId);
    oci.createDead = true;
    const e = await rejection(sm.auto(target(), call(), turn));
    expect(e).toBeInstanceOf(UpstreamError);
    expect(oci.creates).toHaveLength(2);
    expect(turns).toHaveLength(3);
  });

  test("a non-404/409 error propagates, the session is kept, and the lock is released (the next call proceeds at once)", async () => {
    const { oci, store, sm, turn } = setup({ lockWaitMs: 30 });
    const first = await sm.auto(target(), call(), turn);
    await first.release();
    oci.nextChatError = new UpstreamError("http", "boom", { status: 500, code: "InternalServerError" });
    const e = await rejection(sm.auto(target(), call(), turn));
    expect(e).toBeInstanceOf(UpstreamError);
    expect((e as UpstreamError).init.status).toBe(500);
    expect(oci.creates).toHaveLength(1);
    expect(store.heldLocks).toBe(0);

    const next = await within(sm.auto(target(), call(), turn), 20);
    expect(next).not.toBe("timeout");
    if (next === "timeout") return;
    await next.release();
    expect(next.reused).toBe(true);
    expect(next.sessionId).toBe(first.sessionId);
  });

  test("a plain Error thrown by the turn of a new session propagates and releases the lock", async () => {
    const { oci, store, sm } = setup({ lockWaitMs: 30 });
    const boom = new Error("turn failed");
    expect(await rejection(sm.auto(target(), call(), async () => Promise.reject(boom)))).toBe(boom);
    expect(store.heldLocks).toBe(0);
    expect(oci.creates).toHaveLength(1);
  });
});

describe("SessionManager.auto: serialization per key", () => {
  test("10 concurrent calls for one key → exactly one createSession, turns never overlap, all succeed", async () => {
    const { oci, store, sm } = setup({ lockWaitMs: 5000 });
    let inFlight = 0;
    let maxInFlight = 0;
    const turn = async (sessionId: string, fresh: boolean) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await Bun.sleep(3);
      inFlight--;
      return { sessionId, fresh };
    };
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const o = await sm.auto(target(), call(), turn);
        await o.release();
        return o;
      }),
    );
    expect(oci.creates).toHaveLength(1);
    expect(maxInFlight).toBe(1);
    expect(outcomes).toHaveLength(10);
    expect(new Set(outcomes.map((o) => o.sessionId)).size).toBe(1);
    expect(outcomes.filter((o) => !o.reused)).toHaveLength(1);
    expect(outcomes.filter((o) => o.result.fresh)).toHaveLength(1);
    expect(store.heldLocks).toBe(0);
  });

  test("two different keys run at the same time", async () => {
    const { sm } = setup();
    let inFlight = 0;
    let maxInFlight = 0;
    const turn = async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await Bun.sleep(30);
      inFlight--;
      return "ok";
    };
    const run = async (cuid: string) => {
      const o = await sm.auto(target({ cuid }), call(), turn);
      await o.release();
    };
    await Promise.all([run("u1"), run("u2")]);
    expect(maxInFlight).toBe(2);
  });

  test("the caller's release ends the hold: until then the next call for the key waits", async () => {
    const { sm, turns, turn, store } = setup({ lockWaitMs: 2000 });
    const first = await sm.auto(target(), call(), turn);
    const second = sm.auto(target(), call(), turn);
    expect(await within(second, 40)).toBe("timeout");
    expect(turns).toHaveLength(1);
    await first.release();
    const o = await within(second, 200);
    expect(o).not.toBe("timeout");
    if (o === "timeout") return;
    expect(o.reused).toBe(true);
    expect(turns).toHaveLength(2);
    await o.release();
    await o.release(); // safe twice
    expect(store.heldLocks).toBe(0);
  });

  test("a lock wait longer than lockWaitMs → ApiError 409 session_busy; the key is usable again after release", async () => {
    const { sm, turns, turn } = setup({ lockWaitMs: 50 });
    const first = await sm.auto(target(), call(), turn);
    const started = Date.now();
    const e = await apiRejection(sm.auto(target(), call(), turn));
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(e.status).toBe(409);
    expect(e.code).toBe("session_busy");
    expect(e.type).toBe("conflict_error");
    expect(e.suggestion).toBeTruthy();
    expect(turns).toHaveLength(1);
    await first.release();
    const third = await sm.auto(target(), call(), turn);
    await third.release();
    expect(third.reused).toBe(true);
  });
});

describe("SessionManager.manual", () => {
  test("with API keys, a session of unknown ownership is refused (e.g. the memory store after a restart)", async () => {
    const { oci, sm, turns, turn } = setup();
    oci.live.add("ocid1.genaiagentsession.oc1..client");
    const e = await apiRejection(sm.manual(ALIAS, "ownerA", "ocid1.genaiagentsession.oc1..client", call(), turn));
    expect(e.status).toBe(409);
    expect(e.message).toBe("Invalid or expired session");
    expect(turns).toEqual([]);
    expect(oci.chats).toHaveLength(0);
    const closed = await apiRejection(sm.close(ALIAS, "ownerA", "ocid1.genaiagentsession.oc1..client", call()));
    expect(closed.status).toBe(404);
    expect(oci.live.has("ocid1.genaiagentsession.oc1..client")).toBe(true);
  });

  test("uses the session id as given: fresh false, reused true, no createSession", async () => {
    const { oci, sm, turns, turn } = setup();
    oci.live.add("ocid1.genaiagentsession.oc1..client");
    const o = await sm.manual(ALIAS, LOCAL_OWNER, "ocid1.genaiagentsession.oc1..client", call(), turn);
    await o.release();
    expect(o.sessionId).toBe("ocid1.genaiagentsession.oc1..client");
    expect(turns).toEqual([{ sessionId: "ocid1.genaiagentsession.oc1..client", fresh: false }]);
    expect(oci.creates).toHaveLength(0);
  });

  for (const [status, prepare] of [
    [404, (_oci: FakeAgentRuntime) => {}],
    [409, (oci: FakeAgentRuntime) => void oci.busy.add("ocid1.genaiagentsession.oc1..x")],
  ] as const) {
    test(`OCI ${status} → ApiError 409 "Invalid or expired session" with the seed's suggestion; no new session; lock released`, async () => {
      const { oci, store, sm, turn } = setup();
      prepare(oci);
      const e = await apiRejection(sm.manual(ALIAS, LOCAL_OWNER, "ocid1.genaiagentsession.oc1..x", call(), turn));
      expect(e.status).toBe(409);
      expect(e.message).toBe("Invalid or expired session");
      expect(e.suggestion).toBe("Use automatic mode with 'channel' and 'cuid'");
      expect(EXPIRED_SESSION).toEqual({
        error: "Invalid or expired session",
        suggestion: "Use automatic mode with 'channel' and 'cuid'",
      });
      expect(oci.creates).toHaveLength(0);
      expect(oci.chats).toHaveLength(1);
      expect(store.heldLocks).toBe(0);
    });
  }

  test("another OCI error (500) propagates as is", async () => {
    const { oci, sm, turn } = setup();
    oci.live.add("ocid1.genaiagentsession.oc1..x");
    oci.nextChatError = new UpstreamError("http", "boom", { status: 500 });
    const e = await rejection(sm.manual(ALIAS, LOCAL_OWNER, "ocid1.genaiagentsession.oc1..x", call(), turn));
    expect(e).toBeInstanceOf(UpstreamError);
    expect((e as UpstreamError).init.status).toBe(500);
  });

  test("a session recorded for owner A is refused to owner B (409) before OCI is called, and allowed to A", async () => {
    const { oci, sm, turn } = setup();
    const a = await sm.auto(target({ owner: "ownerA" }), call(), turn);
    await a.release();
    const chatsBefore = oci.chats.length;

    const e = await apiRejection(sm.manual(ALIAS, "ownerB", a.sessionId, call(), turn));
    expect(e.status).toBe(409);
    expect(e.message).toBe("Invalid or expired session");
    expect(oci.chats).toHaveLength(chatsBefore);

    const ok = await sm.manual(ALIAS, "ownerA", a.sessionId, call(), turn);
    await ok.release();
    expect(ok.sessionId).toBe(a.sessionId);
    expect(oci.chats).toHaveLength(chatsBefore + 1);
  });

  test("requests on one sessionId are serialized", async () => {
    const { oci, sm } = setup({ lockWaitMs: 5000 });
    oci.live.add("ocid1.genaiagentsession.oc1..m");
    let inFlight = 0;
    let maxInFlight = 0;
    const turn = async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await Bun.sleep(5);
      inFlight--;
      return "ok";
    };
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        const o = await sm.manual(ALIAS, LOCAL_OWNER, "ocid1.genaiagentsession.oc1..m", call(), turn);
        await o.release();
      }),
    );
    expect(maxInFlight).toBe(1);
  });

  test("an auto-mode turn and a manual-mode turn on the same OCI session never overlap", async () => {
    // CONTRACT §6: concurrent requests "never overlap on one OCI session"; manual requests are serialized too.
    const { sm, turn } = setup({ lockWaitMs: 2000 });
    const a = await sm.auto(target(), call(), turn);
    await a.release();
    let inFlight = 0;
    let maxInFlight = 0;
    const slow = async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await Bun.sleep(30);
      inFlight--;
      return "ok";
    };
    const viaAuto = (async () => {
      const o = await sm.auto(target(), call(), slow);
      await o.release();
    })();
    const viaManual = (async () => {
      const o = await sm.manual(ALIAS, "ownerA", a.sessionId, call(), slow);
      await o.release();
    })();
    await Promise.all([viaAuto, viaManual]);
    expect(maxInFlight).toBe(1);
  });
});

describe("SessionManager.open", () => {
  test("new key → createSession with idleTimeoutInSeconds = TTL in seconds; again → getSession, reused true", async () => {
    const { oci, store, sm } = setup({ ttlMs: 3_600_000 });
    const first = await sm.open(target(), call());
    expect(first.reused).toBe(false);
    expect(oci.creates).toHaveLength(1);
    expect(oci.creates[0]!.details.idleTimeoutInSeconds).toBe(3600);
    expect(typeof first.session.id).toBe("string");
    expect(first.session.welcomeMessage).toBe("Hi, how can I help?");
    expect((await store.get(storeKey("ownerA", ALIAS.id, "web", "u1")))?.sessionId).toBe(first.session.id as string);

    const again = await sm.open(target(), call());
    expect(again.reused).toBe(true);
    expect(again.session.id).toBe(first.session.id);
    expect(oci.gets).toEqual([first.session.id as string]);
    expect(oci.creates).toHaveLength(1);
    expect(store.heldLocks).toBe(0);
  });

  test("getSession 404 → a new session", async () => {
    const { oci, sm } = setup();
    const first = await sm.open(target(), call());
    oci.live.delete(first.session.id as string);
    const again = await sm.open(target(), call());
    expect(again.reused).toBe(false);
    expect(again.session.id).not.toBe(first.session.id);
    expect(oci.gets).toHaveLength(1);
    expect(oci.creates).toHaveLength(2);
  });

  test("a session opened for a key is the one the next auto turn reuses", async () => {
    const { sm, turns, turn } = setup();
    const opened = await sm.open(target(), call());
    const o = await sm.auto(target(), call(), turn);
    await o.release();
    expect(o.reused).toBe(true);
    expect(o.sessionId).toBe(opened.session.id as string);
    expect(turns).toEqual([{ sessionId: opened.session.id as string, fresh: false }]);
  });
});

describe("SessionManager.close", () => {
  test("deleteSession is called and every key mapped to the session is forgotten", async () => {
    const { oci, store, sm, turn } = setup();
    const a = await sm.auto(target(), call(), turn);
    await a.release();
    const k1 = storeKey("ownerA", ALIAS.id, "web", "u1");
    const k2 = storeKey("ownerA", ALIAS.id, "other", "u9");
    const rec = (await store.get(k1))!;
    await store.set(k2, rec, 60_000);
    const unrelated = storeKey("ownerA", ALIAS.id, "web", "u3");
    await store.set(unrelated, { ...rec, sessionId: "ocid1.genaiagentsession.oc1..unrelated" }, 60_000);

    await sm.close(ALIAS, "ownerA", a.sessionId, call());
    expect(oci.deletes).toEqual([a.sessionId]);
    expect(await store.get(k1)).toBeUndefined();
    expect(await store.get(k2)).toBeUndefined();
    expect(await store.get(unrelated)).toBeDefined();

    const next = await sm.auto(target(), call(), turn);
    await next.release();
    expect(next.reused).toBe(false);
  });

  test("OCI 404 → ApiError 404; the mapping stays (a session truly gone is replaced when its conversation next speaks)", async () => {
    const { oci, store, sm, turn } = setup();
    const a = await sm.auto(target(), call(), turn);
    await a.release();
    oci.live.delete(a.sessionId);
    const e = await apiRejection(sm.close(ALIAS, "ownerA", a.sessionId, call()));
    expect(e.status).toBe(404);
    expect(e.message).toContain(a.sessionId);
    expect(await store.get(storeKey("ownerA", ALIAS.id, "web", "u1"))).toBeDefined();
  });

  test("a DELETE sent through another alias (OCI's 404) leaves the live conversation on its session", async () => {
    const { oci, store, sm, turn } = setup();
    const a = await sm.auto(target(), call(), turn);
    await a.release();
    const e = await apiRejection(sm.close(OTHER_ALIAS, "ownerA", a.sessionId, call()));
    expect(e.status).toBe(404);
    expect((await store.get(storeKey("ownerA", ALIAS.id, "web", "u1")))?.sessionId).toBe(a.sessionId);
    const again = await sm.auto(target(), call(), turn);
    expect([again.sessionId, again.reused]).toEqual([a.sessionId, true]);
    await again.release();
    await sm.close(ALIAS, "ownerA", a.sessionId, call());
    expect(oci.live.has(a.sessionId)).toBe(false);
  });

  test("a session recorded for owner A cannot be closed by owner B (404, OCI not called); A can", async () => {
    const { oci, store, sm, turn } = setup();
    const a = await sm.auto(target({ owner: "ownerA" }), call(), turn);
    await a.release();
    const e = await apiRejection(sm.close(ALIAS, "ownerB", a.sessionId, call()));
    expect(e.status).toBe(404);
    expect(oci.deletes).toHaveLength(0);
    expect(oci.live.has(a.sessionId)).toBe(true);
    expect(await store.get(storeKey("ownerA", ALIAS.id, "web", "u1"))).toBeDefined();

    await sm.close(ALIAS, "ownerA", a.sessionId, call());
    expect(oci.deletes).toEqual([a.sessionId]);
  });
});

/** The memory store with chosen methods failing as an unreachable store would. */
function failingStore(inner: MemorySessionStore, failing: ReadonlyArray<keyof SessionStore>): SessionStore {
  const fail = (name: string) => () =>
    Promise.reject(new StoreUnavailableError("test", new Error(`${name} unreachable`)));
  const s: SessionStore = {
    kind: "memory",
    get: (k) => inner.get(k),
    set: (k, r, t) => inner.set(k, r, t),
    delete: (k) => inner.delete(k),
    deleteBySessionId: (id) => inner.deleteBySessionId(id),
    ownerOf: (id) => inner.ownerOf(id),
    lock: (k, o) => inner.lock(k, o),
    size: () => inner.size(),
    close: () => inner.close(),
  };
  for (const m of failing) (s as unknown as Record<string, unknown>)[m] = fail(m);
  return s;
}

describe("SessionManager: an unavailable store → 503, never a silent new session", () => {
  const ALL: Array<keyof SessionStore> = [
    "get",
    "set",
    "delete",
    "deleteBySessionId",
    "ownerOf",
    "lock",
    "size",
    "close",
  ];

  test("every method failing: auto, open, manual and close → ApiError 503 session_store_unavailable; no OCI call", async () => {
    const oci = new FakeAgentRuntime();
    const sm = new SessionManager(failingStore(new MemorySessionStore(), ALL), oci.transport, {
      ttlMs: 60_000,
      lockWaitMs: 100,
      lockLeaseMs: 1000,
    });
    let turns = 0;
    const turn = async () => void turns++;
    for (const p of [
      sm.auto(target(), call(), turn),
      sm.open(target(), call()),
      sm.manual(ALIAS, LOCAL_OWNER, "ocid1.genaiagentsession.oc1..x", call(), turn),
      sm.close(ALIAS, "ownerA", "ocid1.genaiagentsession.oc1..x", call()),
    ]) {
      const e = await apiRejection(p);
      expect(e.status).toBe(503);
      expect(e.code).toBe("session_store_unavailable");
    }
    expect(oci.creates).toHaveLength(0);
    expect(oci.chats).toHaveLength(0);
    expect(oci.deletes).toHaveLength(0);
    expect(turns).toBe(0);
  });

  test("the lock works but get fails → 503, no createSession, and the lock is released", async () => {
    const inner = new MemorySessionStore();
    const oci = new FakeAgentRuntime();
    const sm = new SessionManager(failingStore(inner, ["get"]), oci.transport, {
      ttlMs: 60_000,
      lockWaitMs: 100,
      lockLeaseMs: 1000,
    });
    const e = await apiRejection(sm.auto(target(), call(), async () => "never"));
    expect(e.status).toBe(503);
    expect(e.code).toBe("session_store_unavailable");
    expect(oci.creates).toHaveLength(0);
    expect(inner.heldLocks).toBe(0);
  });

  test("set failing before a new session's first turn → 503 and the turn is not sent", async () => {
    const inner = new MemorySessionStore();
    const oci = new FakeAgentRuntime();
    const sm = new SessionManager(failingStore(inner, ["set"]), oci.transport, {
      ttlMs: 60_000,
      lockWaitMs: 100,
      lockLeaseMs: 1000,
    });
    let turns = 0;
    const e = await apiRejection(sm.auto(target(), call(), async () => void turns++));
    expect(e.status).toBe(503);
    expect(turns).toBe(0);
    expect(inner.heldLocks).toBe(0);
  });
});
