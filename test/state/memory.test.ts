/** The in-process store (SESSION_STORE=memory): the shared contracts, plus the bound on responses. */
import { describe, expect, test } from "bun:test";
import { DEFAULT_MAX_RESPONSES, MemorySessionStore } from "../../src/state/memory";
import { responseStoreContract, storedResponse } from "./response-store-contract";
import { sessionStoreContract } from "./session-store-contract";

sessionStoreContract("memory", async (opts) => new MemorySessionStore(opts));
responseStoreContract("memory", async () => new MemorySessionStore());

const HOUR = 3_600_000;

describe("memory store: at most maxResponses responses", () => {
  const present = async (s: MemorySessionStore, ids: string[]) =>
    (await Promise.all(ids.map(async (id) => ((await s.getResponse(id)) ? id : undefined)))).filter(Boolean);

  test("defaults to 10,000; other bounds must be whole numbers >= 1", () => {
    expect(DEFAULT_MAX_RESPONSES).toBe(10_000);
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => new MemorySessionStore({ maxResponses: bad })).toThrow(RangeError);
  });

  test("the default bound holds 10,000 and evicts the first one stored for the 10,001st", async () => {
    const s = new MemorySessionStore();
    for (let i = 0; i < DEFAULT_MAX_RESPONSES; i++) await s.putResponse(storedResponse(`r${i}`), HOUR);
    expect(await s.getResponse("r0")).toBeDefined();
    await s.putResponse(storedResponse("one-more"), HOUR);
    expect(await s.getResponse("r0")).toBeUndefined();
    expect(await s.getResponse("r1")).toBeDefined();
    expect(await s.getResponse(`r${DEFAULT_MAX_RESPONSES - 1}`)).toBeDefined();
    expect(await s.getResponse("one-more")).toBeDefined();
    await s.close();
  });

  test("when full, the oldest response is evicted first, one per new response", async () => {
    const s = new MemorySessionStore({ maxResponses: 3 });
    for (const id of ["r1", "r2", "r3"]) await s.putResponse(storedResponse(id), HOUR);
    await s.putResponse(storedResponse("r4"), HOUR);
    expect(await present(s, ["r1", "r2", "r3", "r4"])).toEqual(["r2", "r3", "r4"]);
    await s.putResponse(storedResponse("r5"), HOUR);
    expect(await present(s, ["r1", "r2", "r3", "r4", "r5"])).toEqual(["r3", "r4", "r5"]);
    await s.close();
  });

  test("replacing an id does not evict anything, and makes it the newest", async () => {
    const s = new MemorySessionStore({ maxResponses: 3 });
    for (const id of ["r1", "r2", "r3"]) await s.putResponse(storedResponse(id), HOUR);
    await s.putResponse(storedResponse("r1", { v: 2 }), HOUR);
    expect(await present(s, ["r1", "r2", "r3"])).toEqual(["r1", "r2", "r3"]);
    await s.putResponse(storedResponse("r4"), HOUR);
    expect(await present(s, ["r1", "r2", "r3", "r4"])).toEqual(["r1", "r3", "r4"]);
    expect((await s.getResponse("r1"))?.data.v).toBe(2);
    await s.close();
  });

  test("deleted responses free their place", async () => {
    const s = new MemorySessionStore({ maxResponses: 2 });
    await s.putResponse(storedResponse("r1"), HOUR);
    await s.putResponse(storedResponse("r2"), HOUR);
    expect(await s.deleteResponse("r2")).toBe(true);
    await s.putResponse(storedResponse("r3"), HOUR);
    expect(await present(s, ["r1", "r2", "r3"])).toEqual(["r1", "r3"]);
    await s.close();
  });

  test("when full, expired responses go before any live one, wherever they sit", async () => {
    const s = new MemorySessionStore({ maxResponses: 3 });
    await s.putResponse(storedResponse("old-live"), HOUR);
    await s.putResponse(storedResponse("short-1"), 50);
    await s.putResponse(storedResponse("short-2"), 50);
    await Bun.sleep(80);
    await s.putResponse(storedResponse("new-1"), HOUR);
    await s.putResponse(storedResponse("new-2"), HOUR);
    expect(await present(s, ["old-live", "new-1", "new-2"])).toEqual(["old-live", "new-1", "new-2"]);
    await s.putResponse(storedResponse("new-3"), HOUR); // full of live ones now: the oldest goes
    expect(await present(s, ["old-live", "new-1", "new-2", "new-3"])).toEqual(["new-1", "new-2", "new-3"]);
    await s.close();
  });
});

describe("memory store: what stored responses weigh together is bounded too", () => {
  // A response holds its whole input (up to MAX_JSON_MB): 10,000 of them could be 100 GB.
  test("past maxResponseChars the oldest go first, however few there are; deleted ones free their weight", async () => {
    const big = (id: string) => storedResponse(id, { text: "x".repeat(1000) });
    const s = new MemorySessionStore({ maxResponseChars: 3500 });
    for (const id of ["r1", "r2", "r3"]) await s.putResponse(big(id), HOUR);
    await s.putResponse(big("r4"), HOUR);
    const kept = async (ids: string[]) =>
      (await Promise.all(ids.map(async (id) => ((await s.getResponse(id)) ? id : undefined)))).filter(Boolean);
    expect(await kept(["r1", "r2", "r3", "r4"])).toEqual(["r2", "r3", "r4"]);
    expect(await s.deleteResponse("r3")).toBe(true);
    expect(await s.deleteResponse("r2")).toBe(true);
    await s.putResponse(big("r5"), HOUR);
    await s.putResponse(big("r6"), HOUR);
    expect(await kept(["r4", "r5", "r6"])).toEqual(["r4", "r5", "r6"]);
    await s.close();
  });
});
