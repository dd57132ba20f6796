import type { ModelAlias } from "../config/types";
import { MemberHealth, type MemberState, STATE_VALUE } from "./member-health";

/** One member's health as /ready and the metrics show it. */
export interface MemberReport {
  member: string;
  state: MemberState;
  inFlight: number;
  failures: number;
  /** Seconds until a parked or open member is tried again. */
  retryInSeconds?: number;
  lastFailure?: string;
}

export interface PoolReport {
  strategy: string;
  members: MemberReport[];
}

/**
 * The health of every pool member this instance has called, and each pool's round-robin turn.
 * Kept by pool and member name, so it outlives a reload of llm_models.json; a member a reload
 * took away is simply never asked about again.
 */
export class PoolHealth {
  private readonly members = new Map<string, MemberHealth>();
  private readonly turns = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  clock(): number {
    return this.now();
  }

  member(pool: ModelAlias, member: string): MemberHealth {
    const key = `${pool.alias}\u0000${member}`;
    let h = this.members.get(key);
    if (!h) {
      h = new MemberHealth(pool.pool!.breaker);
      this.members.set(key, h);
    } else h.breaker = pool.pool!.breaker;
    return h;
  }

  /**
   * The members in the order this request tries them: as listed (`ordered`), starting one further
   * each request (`round_robin`), or fewest requests in progress first, ties in round-robin
   * order (`least_busy`).
   */
  order(pool: ModelAlias): string[] {
    const { members, strategy } = pool.pool!;
    if (strategy === "ordered" || members.length < 2) return [...members];
    const turn = this.turns.get(pool.alias) ?? 0;
    this.turns.set(pool.alias, (turn + 1) % members.length);
    const rotated = [...members.slice(turn), ...members.slice(0, turn)];
    if (strategy === "round_robin") return rotated;
    const busy = new Map(rotated.map((m) => [m, this.member(pool, m).inFlight]));
    return rotated.sort((a, b) => busy.get(a)! - busy.get(b)!);
  }

  /** Every pool of the config in force, each member's state. */
  report(aliases: ReadonlyMap<string, ModelAlias>): Record<string, PoolReport> {
    const now = this.now();
    const out: Record<string, PoolReport> = {};
    for (const a of aliases.values()) {
      if (!a.pool) continue;
      out[a.alias] = {
        strategy: a.pool.strategy,
        members: a.pool.members.map((m) => {
          const h = this.member(a, m);
          const state = h.state(now);
          const until = state === "parked" ? h.parkedUntil : state === "open" ? h.openUntil : 0;
          return {
            member: m,
            state,
            inFlight: h.inFlight,
            failures: h.failures,
            ...(until > now ? { retryInSeconds: Math.ceil((until - now) / 1000) } : {}),
            ...(h.lastFailure && state !== "up" ? { lastFailure: h.lastFailure } : {}),
          };
        }),
      };
    }
    return out;
  }

  /** `ocigenai_pool_member_state` samples: 0 up, 1 parked, 2 open, 3 half-open. */
  samples(aliases: ReadonlyMap<string, ModelAlias>): Array<{ pool: string; member: string; value: number }> {
    return Object.entries(this.report(aliases)).flatMap(([pool, r]) =>
      r.members.map((m) => ({ pool, member: m.member, value: STATE_VALUE[m.state] })),
    );
  }
}
