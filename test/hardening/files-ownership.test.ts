/**
 * Issue 11 #3: files belong to the API key that uploaded them. Another key gets 404 on every
 * route and in chat, and lists only its own; ids stay stateless (a new app on the same bucket
 * still serves them to their owner).
 */
import { describe, expect, test } from "bun:test";
import { createMockTransport } from "../../src/mock/mock-transport";
import { makeTestApp } from "../support/app";

const KEYS = { API_KEYS: "key-a,key-b" };
const as = (key: string) => ({ authorization: `Bearer ${key}` });

async function uploadAs(call: ReturnType<typeof makeTestApp>["call"], key: string, name: string): Promise<string> {
  const form = new FormData();
  form.set("file", new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])], name, { type: "image/png" }));
  form.set("purpose", "vision");
  const r = await call("/v1/files", { method: "POST", body: form, headers: as(key) });
  expect(r.status).toBe(200);
  return (await r.json()).id;
}

describe("files are per API key", () => {
  const transport = createMockTransport();
  const { call } = makeTestApp({ transport, env: KEYS });

  test("key B cannot retrieve, read, delete or chat with key A's file: 404 each time", async () => {
    const id = await uploadAs(call, "key-a", "a.png");
    for (const base of ["/v1/files", "/genai/llama/v1/files"]) {
      expect((await call(`${base}/${id}`, { headers: as("key-b") })).status).toBe(404);
      expect((await call(`${base}/${id}/content`, { headers: as("key-b") })).status).toBe(404);
      expect((await call(`${base}/${id}`, { method: "DELETE", headers: as("key-b") })).status).toBe(404);
    }
    const chat = await call("/v1/chat/completions", {
      method: "POST",
      headers: as("key-b"),
      json: { model: "llama", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: id } }] }] },
    });
    expect(chat.status).toBe(404);
    expect((await chat.json()).error.code).toBe("file_not_found");
    // Still there for its owner.
    expect((await call(`/v1/files/${id}`, { headers: as("key-a") })).status).toBe(200);
    expect((await call(`/v1/files/${id}/content`, { headers: as("key-a") })).status).toBe(200);
  });

  test("listing shows each key only its own files", async () => {
    const a = await uploadAs(call, "key-a", "mine-a.png");
    const b = await uploadAs(call, "key-b", "mine-b.png");
    const listA = (await (await call("/v1/files", { headers: as("key-a") })).json()).data.map(
      (f: { id: string }) => f.id,
    );
    const listB = (await (await call("/v1/files", { headers: as("key-b") })).json()).data.map(
      (f: { id: string }) => f.id,
    );
    expect(listA).toContain(a);
    expect(listA).not.toContain(b);
    expect(listB).toEqual([b]);
  });

  test("a restarted gateway on the same bucket serves a file to its owner only (ids hold no state)", async () => {
    const id = await uploadAs(call, "key-a", "kept.png");
    const again = makeTestApp({ transport, env: KEYS });
    expect((await again.call(`/v1/files/${id}`, { headers: as("key-a") })).status).toBe(200);
    expect((await again.call(`/v1/files/${id}`, { headers: as("key-b") })).status).toBe(404);
  });

  test("a key-less gateway (loopback only) keeps its own namespace; keyed files are not its", async () => {
    const id = await uploadAs(call, "key-a", "keyed.png");
    const local = makeTestApp({ transport });
    expect((await local.call(`/v1/files/${id}`)).status).toBe(404);
  });
});
