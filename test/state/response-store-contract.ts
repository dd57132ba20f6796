/**
 * What every ResponseStore promises (src/state/types.ts), run against each implementation:
 * round trips, expiry that reads never extend (a chain's new turn does), deletion, ids kept apart, large documents, and
 * responses kept apart from sessions in the same store.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { StateStore, StoredResponse } from "../../src/state/types";
import { record } from "./session-store-contract";

export type MakeStateStore = () => Promise<StateStore>;

const HOUR = 3_600_000;

export const storedResponse = (id: string, data: Record<string, unknown> = {}, owner = "owner-a"): StoredResponse => ({
  id,
  owner,
  createdAt: 1_700_000_000_000,
  data: {
    response: { id, object: "response", status: "completed", output: [{ type: "message", content: [] }] },
    ...data,
  },
});

/** About `bytes` of JSON: many small items, nested, with text that needs escaping. */
export function bigData(bytes: number): Record<string, unknown> {
  const item = (i: number) => ({
    i,
    role: i % 2 ? "user" : "assistant",
    text: `line ${i}: "quoted", é, 🚀\n`.repeat(8),
  });
  const one = JSON.stringify(item(0)).length + 1;
  return { input: Array.from({ length: Math.ceil(bytes / one) }, (_, i) => item(i)) };
}

export function responseStoreContract(kind: StateStore["kind"], make: MakeStateStore): void {
  let open: StateStore[] = [];
  const store = async () => {
    const s = await make();
    open.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of open) await s.close();
    open = [];
  });

  describe(`${kind} store: responses`, () => {
    test("getResponse answers what putResponse stored (a deep copy); unknown ids are undefined", async () => {
      const s = await store();
      expect(await s.getResponse("resp_unknown")).toBeUndefined();
      const r = storedResponse("resp_1", {
        nested: { a: [1, 2.5, -3, null, true, false, "x"], b: { c: { d: "deep" } } },
        unicode: "usuário ✓ 日本語 🚀 \u0000 \u2028",
        empty: {},
        list: [],
        zero: 0,
      });
      await s.putResponse(r, HOUR);
      const got = await s.getResponse("resp_1");
      expect(got).toEqual(r);
      if (!got) throw new Error("stored response not found");
      (got.data.nested as { b: { c: { d: string } } }).b.c.d = "changed by a reader";
      expect(await s.getResponse("resp_1")).toEqual(r);
    });

    test("what the caller changes after putResponse does not change what is stored", async () => {
      const s = await store();
      const r = storedResponse("resp_1", { note: "original" });
      await s.putResponse(r, HOUR);
      r.data.note = "changed after put";
      expect((await s.getResponse("resp_1"))?.data.note).toBe("original");
    });

    test("putResponse on an existing id replaces it", async () => {
      const s = await store();
      await s.putResponse(storedResponse("resp_1", { v: 1 }), HOUR);
      await s.putResponse(storedResponse("resp_1", { v: 2 }, "owner-b"), HOUR);
      expect(await s.getResponse("resp_1")).toEqual(storedResponse("resp_1", { v: 2 }, "owner-b"));
    });

    test("deleteResponse answers true for a live response, then false; unknown ids are false", async () => {
      const s = await store();
      await s.putResponse(storedResponse("resp_1"), HOUR);
      expect(await s.deleteResponse("resp_1")).toBe(true);
      expect(await s.getResponse("resp_1")).toBeUndefined();
      expect(await s.deleteResponse("resp_1")).toBe(false);
      expect(await s.deleteResponse("resp_never")).toBe(false);
    });

    test("one id does not disturb another: put, replace and delete touch only their own id", async () => {
      const s = await store();
      await s.putResponse(storedResponse("resp_a", { who: "a" }), HOUR);
      await s.putResponse(storedResponse("resp_b", { who: "b" }, "owner-b"), HOUR);
      await s.putResponse(storedResponse("resp_a|x:*?[", { who: "odd id" }), HOUR);
      expect(await s.deleteResponse("resp_a")).toBe(true);
      expect(await s.getResponse("resp_b")).toEqual(storedResponse("resp_b", { who: "b" }, "owner-b"));
      expect(await s.getResponse("resp_a|x:*?[")).toEqual(storedResponse("resp_a|x:*?[", { who: "odd id" }));
      await s.putResponse(storedResponse("resp_a", { who: "a again" }), HOUR);
      expect(await s.getResponse("resp_b")).toEqual(storedResponse("resp_b", { who: "b" }, "owner-b"));
      expect((await s.getResponse("resp_a"))?.data.who).toBe("a again");
    });

    test("an expired response is gone for get and delete; reads do not extend it; others live on", async () => {
      const s = await store();
      await s.putResponse(storedResponse("resp_short"), 150);
      await s.putResponse(storedResponse("resp_short2"), 150);
      await s.putResponse(storedResponse("resp_long"), HOUR);
      for (let i = 0; i < 4; i++) {
        await Bun.sleep(50);
        await s.getResponse("resp_short");
      }
      expect(await s.getResponse("resp_short")).toBeUndefined();
      expect(await s.deleteResponse("resp_short2")).toBe(false);
      expect(await s.getResponse("resp_long")).toEqual(storedResponse("resp_long"));
    });

    test("extendResponses keeps live responses past their own TTL, never shortens one, and skips the unknown and expired", async () => {
      const s = await store();
      await s.putResponse(storedResponse("resp_old"), 200);
      await s.putResponse(storedResponse("resp_gone"), 50);
      await s.putResponse(storedResponse("resp_long"), HOUR);
      await Bun.sleep(100);
      await s.extendResponses(["resp_old", "resp_gone", "resp_never", "resp_long"], 400);
      await Bun.sleep(200); // resp_old's own TTL is over; its extension is not
      expect(await s.getResponse("resp_old")).toEqual(storedResponse("resp_old"));
      expect(await s.getResponse("resp_gone")).toBeUndefined();
      expect(await s.getResponse("resp_never")).toBeUndefined();
      await Bun.sleep(250);
      expect(await s.getResponse("resp_old")).toBeUndefined();
      expect(await s.getResponse("resp_long")).toEqual(storedResponse("resp_long"));
      await s.extendResponses([], HOUR);
      await expect(s.extendResponses(["resp_long"], 0)).rejects.toBeInstanceOf(RangeError);
    });

    test("a TTL that is not a positive number is rejected", async () => {
      const s = await store();
      for (const ttl of [0, -5, Number.NaN, Number.POSITIVE_INFINITY])
        await expect(s.putResponse(storedResponse("resp_1"), ttl)).rejects.toBeInstanceOf(RangeError);
      expect(await s.getResponse("resp_1")).toBeUndefined();
    });

    test("a 1 MB response round-trips intact", async () => {
      const s = await store();
      const r = storedResponse("resp_big", bigData(1024 * 1024));
      expect(JSON.stringify(r.data).length).toBeGreaterThan(1024 * 1024);
      await s.putResponse(r, HOUR);
      expect(await s.getResponse("resp_big")).toEqual(r);
      expect(await s.deleteResponse("resp_big")).toBe(true);
    });

    test("responses and sessions are kept apart: same name, size() counts sessions only", async () => {
      const s = await store();
      await s.set("same", record("s1"), HOUR);
      await s.putResponse(storedResponse("same"), HOUR);
      expect(await s.size()).toBe(1);
      expect(await s.get("same")).toEqual(record("s1"));
      expect(await s.getResponse("same")).toEqual(storedResponse("same"));
      await s.delete("same");
      expect(await s.getResponse("same")).toEqual(storedResponse("same"));
      await s.set("same", record("s1"), HOUR);
      expect(await s.deleteResponse("same")).toBe(true);
      expect(await s.get("same")).toEqual(record("s1"));
    });
  });
}
