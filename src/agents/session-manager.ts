import { LOCAL_OWNER, type ModelAlias } from "../config/types";
import { ApiError } from "../errors/api-error";
import { UpstreamError, withRequestId } from "../errors/upstream-error";
import type { Logger } from "../observability/logger";
import { isRec } from "../oci/reply-shapes";
import type { CallOptions, OciTransport } from "../oci/transport";
import { LockTimeoutError, type Release, type SessionStore, StoreUnavailableError } from "../state/types";
import { storeKey } from "./session-key";

export interface SessionManagerOptions {
  ttlMs: number;
  /** How long a request waits behind another one for the same key or session. */
  lockWaitMs: number;
  lockLeaseMs: number;
  log?: Logger;
  /** Every store operation's outcome, for metrics. */
  onStoreOp?(ok: boolean): void;
}

/** Who is asking, about which conversation. */
export interface AutoTarget {
  alias: ModelAlias;
  owner: string;
  channel: string;
  cuid: string;
}

/** One turn on an OCI session; `fresh` says the session has no earlier context. */
export type Turn<R> = (sessionId: string, fresh: boolean) => Promise<R>;

export interface TurnOutcome<R> {
  result: R;
  sessionId: string;
  reused: boolean;
  /** Ends the turn's hold on the conversation: call it when the answer (or stream) is done. */
  release: Release;
}

export const EXPIRED_SESSION = {
  error: "Invalid or expired session",
  suggestion: "Use automatic mode with 'channel' and 'cuid'",
} as const;

/**
 * Agent sessions, managed. Auto mode maps `channel:cuid` to an OCI session with a sliding TTL;
 * manual mode uses the client's session id. Every turn holds a lock on its conversation until
 * the caller releases it, so concurrent requests never create two sessions for one key and never
 * overlap on one OCI session. When OCI says a reused session is gone (404) or in conflict (409),
 * it is forgotten, a new one is made and the turn is sent again once.
 */
/**
 * The locks an auto-mode turn holds, released together. Kept apart from `auto`'s locals: a closure
 * made in an async function keeps all of them alive, and this release lives as long as the
 * turn's stream — made there, it held the turn (and through it the whole prompt).
 */
class HeldLocks {
  session: Release | undefined;
  constructor(private readonly key: Release) {}
  readonly release: Release = async () => {
    await this.releaseSession();
    await this.key();
  };
  async releaseSession(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    await s?.();
  }
}

export class SessionManager {
  constructor(
    readonly store: SessionStore,
    private readonly transport: OciTransport,
    private readonly o: SessionManagerOptions,
  ) {}

  async auto<R>(t: AutoTarget, call: CallOptions, turn: Turn<R>): Promise<TurnOutcome<R>> {
    const key = storeKey(t.owner, t.alias.id, t.channel, t.cuid);
    const held = new HeldLocks(await this.lock(key, call));
    const { release } = held;
    try {
      const known = await this.guard(() => this.store.get(key));
      if (known) {
        // The session's own lock too: a manual-mode request may be using the same OCI session.
        held.session = await this.lock(sessionLockKey(t.alias.id, known.sessionId), call);
        // Touched before the turn, so a store failure never strands an answer already under way.
        await this.guard(() => this.store.set(key, { ...known, lastUsedAt: Date.now() }, this.o.ttlMs));
        try {
          const result = await turn(known.sessionId, false);
          return { result, sessionId: known.sessionId, reused: true, release };
        } catch (e) {
          if (!isGoneOrBusy(e)) throw e;
          this.o.log?.info("agent session gone; starting a new one", {
            alias: t.alias.alias,
            sessionId: known.sessionId,
          });
          await held.releaseSession();
          await this.guard(() => this.store.delete(key));
        }
      }
      const sessionId = await this.createSession(t, call);
      held.session = await this.lock(sessionLockKey(t.alias.id, sessionId), call);
      const now = Date.now();
      await this.guard(() =>
        this.store.set(
          key,
          { sessionId, agentEndpointId: t.alias.id, owner: t.owner, createdAt: now, lastUsedAt: now },
          this.o.ttlMs,
        ),
      );
      const result = await turn(sessionId, true);
      return { result, sessionId, reused: false, release };
    } catch (e) {
      await release();
      throw e;
    }
  }

  /** Manual mode: the client's session id as given; OCI's 404/409 becomes the seed's 409. */
  async manual<R>(
    alias: ModelAlias,
    owner: string,
    sessionId: string,
    call: CallOptions,
    turn: Turn<R>,
  ): Promise<TurnOutcome<R>> {
    await this.assertOwner(
      owner,
      sessionId,
      () =>
        new ApiError(409, EXPIRED_SESSION.error, {
          type: "conflict_error",
          code: "invalid_session",
          suggestion: EXPIRED_SESSION.suggestion,
        }),
    );
    const release = await this.lock(sessionLockKey(alias.id, sessionId), call);
    try {
      const result = await turn(sessionId, false);
      return { result, sessionId, reused: true, release };
    } catch (e) {
      await release();
      if (isGoneOrBusy(e)) {
        throw new ApiError(409, EXPIRED_SESSION.error, {
          type: "conflict_error",
          code: "invalid_session",
          suggestion: EXPIRED_SESSION.suggestion,
          ociRequestId: e.init.opcRequestId,
        });
      }
      throw e;
    }
  }

  /** POST /session: the key's live session (checked with OCI) or a new one. */
  async open(t: AutoTarget, call: CallOptions): Promise<{ session: Record<string, unknown>; reused: boolean }> {
    const key = storeKey(t.owner, t.alias.id, t.channel, t.cuid);
    const release = await this.lock(key, call);
    try {
      const known = await this.guard(() => this.store.get(key));
      if (known) {
        try {
          const reply = await this.transport.getSession(
            { region: t.alias.region, endpoint: t.alias.endpoint },
            t.alias.id,
            known.sessionId,
            call,
          );
          await this.guard(() => this.store.set(key, { ...known, lastUsedAt: Date.now() }, this.o.ttlMs));
          return { session: { ...(isRec(reply.body) ? reply.body : {}), id: known.sessionId }, reused: true };
        } catch (e) {
          if (!isGoneOrBusy(e)) throw e;
          await this.guard(() => this.store.delete(key));
        }
      }
      const reply = await this.transport.createSession(
        { region: t.alias.region, endpoint: t.alias.endpoint },
        t.alias.id,
        this.sessionDetails(t),
        call,
      );
      const session = withRequestId(reply.opcRequestId, () => sessionBody(reply.body));
      const now = Date.now();
      await this.guard(() =>
        this.store.set(
          key,
          {
            sessionId: String(session.id),
            agentEndpointId: t.alias.id,
            owner: t.owner,
            createdAt: now,
            lastUsedAt: now,
          },
          this.o.ttlMs,
        ),
      );
      return { session, reused: false };
    } finally {
      await release();
    }
  }

  /**
   * DELETE /session/{id}: ends it at OCI and forgets every key mapped to it. OCI's 404 forgets
   * nothing: it may come from another alias's endpoint than the session's (a DELETE sent to the
   * wrong alias must not cut the live conversation off its session), and a session truly gone is
   * replaced when its conversation next speaks.
   */
  async close(alias: ModelAlias, owner: string, sessionId: string, call: CallOptions): Promise<void> {
    const notFound = (ociRequestId?: string) =>
      new ApiError(404, `Session '${sessionId}' not found`, {
        type: "not_found_error",
        code: "session_not_found",
        ociRequestId,
      });
    await this.assertOwner(owner, sessionId, notFound);
    try {
      await this.transport.deleteSession({ region: alias.region, endpoint: alias.endpoint }, alias.id, sessionId, call);
    } catch (e) {
      if (e instanceof UpstreamError && e.init.status === 404) throw notFound(e.init.opcRequestId);
      throw e;
    }
    await this.guard(() => this.store.deleteBySessionId(sessionId));
  }

  private async createSession(t: AutoTarget, call: CallOptions): Promise<string> {
    const reply = await this.transport.createSession(
      { region: t.alias.region, endpoint: t.alias.endpoint },
      t.alias.id,
      this.sessionDetails(t),
      call,
    );
    return String(withRequestId(reply.opcRequestId, () => sessionBody(reply.body)).id);
  }

  private sessionDetails(t: AutoTarget) {
    return {
      displayName: "ocigenai",
      description: `${t.channel}:${t.cuid}`.slice(0, 400),
      idleTimeoutInSeconds: Math.round(this.o.ttlMs / 1000),
    };
  }

  /**
   * A named session must be the caller's. Unknown ownership (a session this gateway never made,
   * or one whose record was lost, e.g. the memory store after a restart) is no ownership once API
   * keys are configured; only the single local namespace of a key-less gateway may use it, since
   * no other caller exists there.
   */
  private async assertOwner(owner: string, sessionId: string, refuse: () => ApiError): Promise<void> {
    const recorded = await this.guard(() => this.store.ownerOf(sessionId));
    if (recorded === owner || (recorded === undefined && owner === LOCAL_OWNER)) return;
    throw refuse();
  }

  private async lock(key: string, call: CallOptions): Promise<Release> {
    try {
      return await this.guard(() => this.store.lock(key, { waitMs: this.o.lockWaitMs, leaseMs: this.o.lockLeaseMs }));
    } catch (e) {
      if (e instanceof LockTimeoutError) {
        throw new ApiError(409, "Another request for this conversation is still running", {
          type: "conflict_error",
          code: "session_busy",
          suggestion: "Retry once the previous answer has completed",
        });
      }
      if (call.signal.aborted) throw call.signal.reason;
      throw e;
    }
  }

  /** A store that cannot answer fails the request with 503: never a silent new session. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const v = await fn();
      this.o.onStoreOp?.(true);
      return v;
    } catch (e) {
      if (e instanceof StoreUnavailableError) {
        this.o.onStoreOp?.(false);
        throw new ApiError(503, `Agent sessions are unavailable: ${e.message}`, {
          type: "service_unavailable",
          code: "session_store_unavailable",
        });
      }
      throw e;
    }
  }
}

/** Every turn on one OCI session, automatic or manual, holds this lock. */
function sessionLockKey(agentEndpointId: string, sessionId: string): string {
  return `sid|${agentEndpointId}|${sessionId}`;
}

/** OCI's way of saying a session is gone (404) or in use/in a bad state (409). */
export function isGoneOrBusy(e: unknown): e is UpstreamError {
  return e instanceof UpstreamError && e.failure === "http" && (e.init.status === 404 || e.init.status === 409);
}

function sessionBody(body: unknown): Record<string, unknown> {
  if (!isRec(body) || typeof body.id !== "string" || body.id === "")
    throw new UpstreamError("bad_response", "createSession answered without a session id");
  return body;
}
