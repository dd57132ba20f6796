/** The in-process FIFO mutex behind the memory and SQLite stores (src/state/key-lock.ts). */
import { describe, expect, test } from "bun:test";
import { KeyLock } from "../../src/state/key-lock";
import { LockTimeoutError } from "../../src/state/types";

describe("KeyLock", () => {
  test("a free key is granted at once and the map is empty again after release", async () => {
    const l = new KeyLock();
    const release = await l.acquire("k", 0);
    expect(l.heldKeys).toBe(1);
    await release();
    expect(l.heldKeys).toBe(0);
  });

  test("waiters are served in arrival order; a newcomer never overtakes the queue", async () => {
    const l = new KeyLock();
    const order: string[] = [];
    const first = await l.acquire("k", 0);
    const waiters = ["a", "b", "c"].map((name) =>
      l.acquire("k", 1_000).then((r) => {
        order.push(name);
        return r;
      }),
    );
    await first();
    // "a" now holds the key; "late" arrives while "b" and "c" still wait.
    const late = l.acquire("k", 1_000).then((r) => {
      order.push("late");
      return r;
    });
    for (const w of [...waiters, late]) await (await w)();
    expect(order).toEqual(["a", "b", "c", "late"]);
    expect(l.heldKeys).toBe(0);
  });

  test("a waiter that times out leaves the queue: the next release skips it", async () => {
    const l = new KeyLock();
    const holder = await l.acquire("k", 0);
    const impatient = l.acquire("k", 50);
    const patient = l.acquire("k", 2_000);
    await expect(impatient).rejects.toBeInstanceOf(LockTimeoutError);
    await holder();
    const release = await patient;
    expect(l.heldKeys).toBe(1);
    await release();
    expect(l.heldKeys).toBe(0);
  });

  test("waitMs 0 fails at once when the key is held", async () => {
    const l = new KeyLock();
    const holder = await l.acquire("k", 0);
    await expect(l.acquire("k", 0)).rejects.toBeInstanceOf(LockTimeoutError);
    await holder();
    expect(l.heldKeys).toBe(0);
  });

  test("a negative or NaN waitMs is rejected, not clamped", async () => {
    const l = new KeyLock();
    await expect(l.acquire("k", -1)).rejects.toBeInstanceOf(RangeError);
    await expect(l.acquire("k", Number.NaN)).rejects.toBeInstanceOf(RangeError);
    expect(l.heldKeys).toBe(0);
  });

  test("releasing twice hands the key on once", async () => {
    const l = new KeyLock();
    const first = await l.acquire("k", 0);
    const second = l.acquire("k", 1_000);
    const third = l.acquire("k", 100);
    await first();
    await first();
    await second;
    await expect(third).rejects.toBeInstanceOf(LockTimeoutError);
    await (await second)();
    expect(l.heldKeys).toBe(0);
  });

  test("1000 idle keys leave no entries behind", async () => {
    const l = new KeyLock();
    await Promise.all(Array.from({ length: 1_000 }, async (_, i) => (await l.acquire(`k${i % 50}`, 5_000))()));
    expect(l.heldKeys).toBe(0);
  });
});
