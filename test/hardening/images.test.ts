/**
 * Issue 11 #2: one request that points at the same large file many times, or at many images.
 * The request is budgeted before anything is fetched (count) and while fetching (decoded bytes,
 * every reference counted); each distinct file is read from Object Storage once.
 */
import { describe, expect, test } from "bun:test";
import { createMockTransport } from "../../src/mock/mock-transport";
import type { OciTransport } from "../../src/oci/transport";
import { makeTestApp } from "../support/app";

/** The TEST_MODE transport, counting Object Storage reads and keeping the chat requests sent. */
function spied() {
  const inner = createMockTransport();
  const reads: string[] = [];
  const chats: unknown[] = [];
  const transport: OciTransport = {
    ...inner,
    getObject: (loc, opts) => {
      reads.push(loc.object);
      return inner.getObject(loc, opts);
    },
    chat: (t, d, o) => {
      chats.push(d);
      return inner.chat(t, d, o);
    },
  };
  return { transport, reads, chats };
}

/** A PNG header followed by filler: `mb` megabytes that Object Storage keeps as image/png. */
const png = (mb: number) => {
  const bytes = new Uint8Array(Math.round(mb * 1024 * 1024));
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new File([bytes], "big.png", { type: "image/png" });
};

async function upload(call: ReturnType<typeof makeTestApp>["call"], file: File, key?: string): Promise<string> {
  const form = new FormData();
  form.set("file", file);
  form.set("purpose", "vision");
  const r = await call("/v1/files", {
    method: "POST",
    body: form,
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });
  expect(r.status).toBe(200);
  return (await r.json()).id;
}

const imagesOf = (id: string, n: number) =>
  Array.from({ length: n }, () => ({ type: "image_url", image_url: { url: id } }));

describe("image budget per request", () => {
  test("50 references to one file → 400 naming messages, before any Object Storage read", async () => {
    const { transport, reads } = spied();
    const { call } = makeTestApp({ transport });
    const id = await upload(call, png(0.1));
    const r = await call("/v1/chat/completions", {
      method: "POST",
      json: {
        model: "llama",
        messages: [{ role: "user", content: [{ type: "text", text: "?" }, ...imagesOf(id, 50)] }],
      },
    });
    expect(r.status).toBe(400);
    const body = await r.json();
    expect(body.error.param).toBe("messages");
    expect(body.error.code).toBe("too_many_images");
    expect(reads).toEqual([]);
  });

  test("images spread over many messages count together", async () => {
    const { transport, reads } = spied();
    const { call } = makeTestApp({ transport, env: { MAX_IMAGES_PER_REQUEST: "4" } });
    const id = await upload(call, png(0.01));
    const messages = Array.from({ length: 5 }, () => ({ role: "user", content: imagesOf(id, 1) }));
    const r = await call("/v1/chat/completions", { method: "POST", json: { model: "llama", messages } });
    expect(r.status).toBe(400);
    expect(reads).toEqual([]);
  });

  test("the same 6 MB file 10 times is 60 MB sent to OCI → 413, the file's body never read", async () => {
    const { transport, reads, chats } = spied();
    const { call } = makeTestApp({ transport });
    const id = await upload(call, png(6));
    const r = await call("/v1/chat/completions", {
      method: "POST",
      json: { model: "llama", messages: [{ role: "user", content: imagesOf(id, 10) }] },
    });
    expect(r.status).toBe(413);
    const body = await r.json();
    expect(body.error.code).toBe("images_too_large");
    expect(body.error.message).toContain("MAX_IMAGE_MB_PER_REQUEST");
    expect(reads.length).toBeLessThanOrEqual(1);
    expect(chats).toEqual([]);
  });

  test("inline data URLs count against the byte budget too", async () => {
    const { call } = makeTestApp({ env: { MAX_IMAGE_MB_PER_REQUEST: "1" } });
    const data = `data:image/png;base64,${Buffer.from(new Uint8Array(700 * 1024)).toString("base64")}`;
    const parts = [0, 1].map(() => ({ type: "image_url", image_url: { url: data } }));
    const r = await call("/v1/chat/completions", {
      method: "POST",
      json: { model: "llama", messages: [{ role: "user", content: parts }] },
    });
    expect(r.status).toBe(413);
  });

  test("within budget: three references to one file → one Object Storage read, three images to OCI", async () => {
    const { transport, reads, chats } = spied();
    const { call } = makeTestApp({ transport });
    const id = await upload(call, png(0.2));
    const other = await upload(call, png(0.1));
    const content = [
      { type: "text", text: "compare" },
      ...imagesOf(id, 2),
      { type: "image_url", image_url: { url: other, detail: "low" } },
      { type: "file", file: { file_id: id } },
    ];
    const r = await call("/v1/chat/completions", {
      method: "POST",
      json: { model: "llama", messages: [{ role: "user", content }] },
    });
    expect(r.status).toBe(200);
    expect(reads).toHaveLength(2);
    const sent = JSON.stringify(chats[0]);
    expect(sent.match(/data:image\/png;base64,/g)).toHaveLength(4);
    expect(sent).toContain('"detail":"LOW"');
  });
});
