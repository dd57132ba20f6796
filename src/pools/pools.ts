import type { ModelAlias } from "../config/types";
import type { PoolHealth, PoolReport } from "./pool-health";
import { type MemberLease, type PoolTrace, routePool } from "./route-pool";

export interface PoolsOptions {
  /** The aliases in force, read per request so a reload changes members at once. */
  aliases(): ReadonlyMap<string, ModelAlias>;
  /** One request's deadline for all its members' attempts together. */
  upstreamTimeoutMs: number;
}

/**
 * The pools of the config in force over one health table: what the chat core and the embeddings
 * service call to spread a request over a pool's members (docs/several-regions.md).
 */
export class Pools {
  constructor(
    readonly health: PoolHealth,
    private readonly o: PoolsOptions,
  ) {}

  /**
   * Runs `attempt` on the pool's members until one answers; a member that is itself a pool is
   * routed the same way within the same deadline.
   */
  run<T>(
    pool: ModelAlias,
    call: { signal: AbortSignal; trace?: PoolTrace; deadlineAt?: number },
    attempt: (member: ModelAlias, lease: MemberLease) => Promise<T>,
  ): Promise<T> {
    const aliases = this.o.aliases();
    const deadlineAt = call.deadlineAt ?? this.health.clock() + this.o.upstreamTimeoutMs;
    return routePool(this.health, {
      pool,
      resolve: (name) => aliases.get(name),
      signal: call.signal,
      deadlineAt,
      trace: call.trace,
      attempt: (member, lease) =>
        member.type === "pool"
          ? // The outer member is in progress as long as the inner one is (a stream's, until it
            // ends): the attempt's release ends both. A failure ends each in its own pool.
            this.run(member, { ...call, deadlineAt: lease.deadlineAt }, (inner, innerLease) =>
              attempt(inner, {
                deadlineAt: innerLease.deadlineAt,
                release: () => {
                  innerLease.release();
                  lease.release();
                },
              }),
            )
          : attempt(member, lease),
    });
  }

  /** Each pool's members and their state, for /ready. */
  report(): Record<string, PoolReport> {
    return this.health.report(this.o.aliases());
  }

  samples(): Array<{ pool: string; member: string; value: number }> {
    return this.health.samples(this.o.aliases());
  }
}
