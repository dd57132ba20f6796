import { LockTimeoutError, type Release } from "./types";

interface Waiter {
  grant(): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Holders of one key: the current one (implicit) and the queue behind it, oldest first. */
interface Slot {
  queue: Waiter[];
}

/**
 * In-process mutual exclusion per key, first come first served. A release hands the key straight
 * to the oldest waiter, so a newcomer can never overtake the queue; a key with no holder has no
 * map entry, so idle keys cost nothing.
 */
export class KeyLock {
  private readonly slots = new Map<string, Slot>();

  /** Keys currently held (by a holder, with or without waiters). */
  get heldKeys(): number {
    return this.slots.size;
  }

  /** Waits up to `waitMs` for the key; rejects with LockTimeoutError after that. */
  acquire(key: string, waitMs: number): Promise<Release> {
    if (!Number.isFinite(waitMs) || waitMs < 0)
      return Promise.reject(new RangeError(`lock waitMs must be a finite number >= 0, got ${waitMs}`));
    const slot = this.slots.get(key);
    if (!slot) {
      this.slots.set(key, { queue: [] });
      return Promise.resolve(this.releaser(key));
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        timer: undefined,
        grant: () => {
          if (waiter.timer !== undefined) clearTimeout(waiter.timer);
          resolve(this.releaser(key));
        },
      };
      waiter.timer = setTimeout(() => {
        const i = slot.queue.indexOf(waiter);
        if (i >= 0) slot.queue.splice(i, 1);
        reject(new LockTimeoutError(key, waitMs));
      }, waitMs);
      slot.queue.push(waiter);
    });
  }

  private releaser(key: string): Release {
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      const slot = this.slots.get(key);
      const next = slot?.queue.shift();
      if (next) next.grant();
      else this.slots.delete(key);
    };
  }
}
