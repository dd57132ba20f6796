/**
 * Files against the compiled binary: the openai client's files API on the real signed path (fake
 * Object Storage) and in TEST_MODE, limits, forged ids, uploaded images in chat, and remote
 * images fetched only from public (or explicitly allowed) hosts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI, { toFile } from "openai";
import { BINARY_SETUP_TIMEOUT_MS, binaryDir } from "../support/binary";
import { type FakeOci, startFakeOci } from "../support/fake-oci";
import { type Gateway, startGateway } from "../support/gateway";
import { makeTestCredentials } from "../support/keys";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8]);
let fake: FakeOci;
let real: Gateway;
let offline: Gateway;
let noBucket: Gateway;
let imageServer: ReturnType<typeof Bun.serve>;
const imageHits: string[] = [];

beforeAll(async () => {
  const a = await binaryDir();
  const creds = await makeTestCredentials(a.dir, { relativeKeyFile: true });
  fake = await startFakeOci({ keys: [creds] });
  imageServer = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      imageHits.push(path);
      if (path === "/redirect-private")
        return new Response(null, { status: 302, headers: { location: "http://10.255.255.1/secret.png" } });
      return new Response(PNG, { headers: { "content-type": "image/png" } });
    },
  });
  real = await startGateway({
    binary: a.bin,
    env: {
      OCI_INFERENCE_ENDPOINT: fake.url,
      OCI_OBJECT_STORAGE_ENDPOINT: fake.url,
      GENAI_BUCKET: "uploads",
      ALLOW_PRIVATE_IMAGE_HOSTS: "localhost",
    },
  });
  const b = await binaryDir();
  offline = await startGateway({ binary: b.bin, env: { TEST_MODE: "true" } });
  const c = await binaryDir();
  await makeTestCredentials(c.dir, { relativeKeyFile: true });
  noBucket = await startGateway({ binary: c.bin, env: { OCI_OBJECT_STORAGE_ENDPOINT: fake.url } });
}, BINARY_SETUP_TIMEOUT_MS);
afterAll(async () => {
  await real?.stop();
  await offline?.stop();
  await noBucket?.stop();
  await fake?.stop();
  imageServer?.stop(true);
});

const client = (g: Gateway, path = "/v1") => new OpenAI({ baseURL: g.url + path, apiKey: "unused", maxRetries: 0 });
const failure = (p: PromiseLike<unknown>) =>
  Promise.resolve(p).then(
    () => new Error("expected a rejection"),
    (e: unknown) => e,
  );

describe.each([
  ["real path (fake Object Storage)", () => real],
  ["TEST_MODE (in memory)", () => offline],
])("files API with the openai client — %s", (_name, gw) => {
  test("create → list → retrieve → content → delete", async () => {
    const c = client(gw());
    const created = await c.files.create({
      file: await toFile(PNG, "../../etc/pic\u0001.png", { type: "image/png" }),
      purpose: "vision",
    });
    expect(created).toMatchObject({ object: "file", bytes: PNG.length, filename: "pic.png", purpose: "vision" });
    expect(created.id).toStartWith("file-");
    expect((created as unknown as { url: string }).url).toContain("/p/");
    const listed = await c.files.list();
    expect(listed.data.map((f) => f.id)).toContain(created.id);
    expect(await c.files.retrieve(created.id)).toMatchObject({
      id: created.id,
      bytes: PNG.length,
      filename: "pic.png",
      purpose: "vision",
    });
    const content = await c.files.content(created.id);
    expect(content.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await content.arrayBuffer())).toEqual(PNG);
    expect(await c.files.delete(created.id)).toMatchObject({ id: created.id, deleted: true });
    expect(await failure(c.files.retrieve(created.id))).toBeInstanceOf(OpenAI.NotFoundError);
  });

  test("an empty file → 400", async () => {
    const e = await failure(
      client(gw()).files.create({ file: await toFile(new Uint8Array(0), "empty.txt"), purpose: "user_data" }),
    );
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe("files on the real path", () => {
  test("the upload is signed, lands under the prefix, and the PAR URL serves the bytes unsigned", async () => {
    fake.clear();
    const created = await client(real, "/genai/llama/v1").files.create({
      file: await toFile(PNG, "a.png", { type: "image/png" }),
      purpose: "vision",
    });
    const put = fake.requestsFor("putObject")[0]!;
    expect(put.signatureOk).toBe(true);
    expect(decodeURIComponent(put.path)).toMatch(
      /^\/n\/testnamespace\/b\/uploads\/o\/genai-uploads\/local\/vision\/[0-9a-f-]{36}\/a\.png$/,
    );
    const url = new URL((created as unknown as { url: string }).url);
    const viaPar = await fetch(fake.url + url.pathname);
    expect(new Uint8Array(await viaPar.arrayBuffer())).toEqual(PNG);
  });

  test("a PDF uploaded without an extension is stored and served as a PDF; a name cut inside an emoji is no 500", async () => {
    fake.clear();
    const pdf = new TextEncoder().encode("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF");
    const created = await client(real).files.create({
      file: await toFile(pdf, "quarterly-report", { type: "application/pdf" }),
      purpose: "assistants",
    });
    const content = await fetch(`${real.url}/v1/files/${created.id}/content`);
    expect(content.headers.get("content-type")).toStartWith("application/pdf");
    expect(content.headers.get("x-content-type-options")).toBe("nosniff");
    expect(new Uint8Array(await content.arrayBuffer())).toEqual(pdf);
    const longName = `${"a".repeat(199)}😀.txt`;
    const emoji = await client(real).files.create({
      file: await toFile(new TextEncoder().encode("hello"), longName, { type: "text/plain" }),
      purpose: "assistants",
    });
    expect(emoji.filename).toBe(`${"a".repeat(199)}😀`);
  });

  test("51 MB → 413 and nothing stored", async () => {
    fake.clear();
    const before = fake.objectStorage.objects.size;
    const big = new Uint8Array(51 * 1024 * 1024);
    const form = new FormData();
    form.set("purpose", "user_data");
    form.set("file", new File([big], "big.bin"));
    const r = await fetch(`${real.url}/v1/files`, { method: "POST", body: form });
    expect(r.status).toBe(413);
    expect(fake.objectStorage.objects.size).toBe(before);
    expect(fake.requestsFor("putObject")).toHaveLength(0);
  });

  test("a forged id never reaches another object: 404 and no Object Storage request for it", async () => {
    await client(real).files.create({ file: await toFile(PNG, "keep.png", { type: "image/png" }), purpose: "vision" });
    fake.objectStorage.objects.set("uploads/private/payroll.csv", {
      bytes: new TextEncoder().encode("secret"),
      contentType: "text/csv",
      meta: {},
      timeCreated: new Date().toISOString(),
      etag: "e",
      md5: "m",
    } as never);
    fake.clear();
    const forged = [
      `file-${Buffer.from("private/payroll.csv").toString("base64url")}`,
      `file-${Buffer.from("genai-uploads/../private/payroll.csv").toString("base64url")}`,
      "file-!!!notbase64",
      "not-a-file-id",
    ];
    for (const id of forged) {
      for (const path of [`/v1/files/${encodeURIComponent(id)}`, `/v1/files/${encodeURIComponent(id)}/content`]) {
        expect((await fetch(real.url + path)).status).toBe(404);
      }
      expect((await fetch(`${real.url}/v1/files/${encodeURIComponent(id)}`, { method: "DELETE" })).status).toBe(404);
    }
    expect(fake.requests.filter((r) => decodeURIComponent(r.path).includes("payroll"))).toHaveLength(0);
    expect(fake.objectStorage.objects.has("uploads/private/payroll.csv")).toBe(true);
  });

  test("a chat naming an uploaded image reaches OCI with the image bytes as a data URL", async () => {
    const created = await client(real).files.create({
      file: await toFile(PNG, "cat.png", { type: "image/png" }),
      purpose: "vision",
    });
    fake.clear();
    for (const part of [
      { type: "image_url", image_url: { url: created.id } },
      { type: "file", file: { file_id: created.id } },
    ]) {
      const r = await fetch(`${real.url}/v1/chat/completions`, {
        method: "POST",
        body: JSON.stringify({
          model: "llama",
          messages: [{ role: "user", content: [{ type: "text", text: "what is it?" }, part] }],
        }),
      });
      expect(r.status).toBe(200);
    }
    const sent = fake
      .requestsFor("chat")
      .map(
        (r) =>
          (r.body as { chatRequest: { messages: Array<{ content: unknown[] }> } }).chatRequest.messages[0]!.content[1],
      );
    const expected = {
      type: "IMAGE",
      imageUrl: { url: `data:image/png;base64,${Buffer.from(PNG).toString("base64")}` },
    };
    expect(sent).toEqual([expected, expected]);
  });

  test("a file OCI chat models cannot read (not an image, audio, video or document) → 400 saying so", async () => {
    const created = await client(real).files.create({
      file: await toFile(new Uint8Array([0x50, 0x4b, 3, 4]), "notes.zip", { type: "application/zip" }),
      purpose: "user_data",
    });
    const r = await fetch(`${real.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({
        model: "llama",
        messages: [{ role: "user", content: [{ type: "file", file: { file_id: created.id } }] }],
      }),
    });
    expect(r.status).toBe(400);
    expect((await r.json()).error.message).toContain("application/zip");
  });
});

describe("remote images", () => {
  const chatWithImage = (url: string) =>
    fetch(`${real.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({
        model: "llama",
        messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }],
      }),
    });

  test.each([
    ["loopback", () => `http://127.0.0.1:${imageServer.port}/direct.png`, "loopback"],
    ["private", () => "http://10.255.255.1/x.png", "private"],
    ["metadata", () => "http://169.254.169.254/latest/meta-data", "169.254.169.254"],
    ["IPv6 loopback", () => `http://[::1]:${imageServer.port}/v6.png`, "loopback"],
  ])("%s address → 400 naming the reason, and nothing is fetched", async (_n, url, reason) => {
    imageHits.length = 0;
    const r = await chatWithImage(url());
    expect(r.status).toBe(400);
    expect((await r.json()).error.message).toContain(reason);
    expect(imageHits).toEqual([]);
  });

  test("an allowed host (ALLOW_PRIVATE_IMAGE_HOSTS) works; its redirect to a private address does not", async () => {
    imageHits.length = 0;
    fake.clear();
    const ok = await chatWithImage(`http://localhost:${imageServer.port}/allowed.png`);
    expect(ok.status).toBe(200);
    expect(imageHits).toEqual(["/allowed.png"]);
    const sent = (
      fake.requestsFor("chat")[0]!.body as {
        chatRequest: { messages: Array<{ content: Array<{ imageUrl?: { url: string } }> }> };
      }
    ).chatRequest.messages[0]!.content[0]!;
    expect(sent.imageUrl!.url).toBe(`data:image/png;base64,${Buffer.from(PNG).toString("base64")}`);
    const redirected = await chatWithImage(`http://localhost:${imageServer.port}/redirect-private`);
    expect(redirected.status).toBe(400);
    expect((await redirected.json()).error.message).toContain("redirects to a URL that is not a public internet host");
  });
});

test("without GENAI_BUCKET the files routes answer 503 naming the variable; chat still works", async () => {
  const r = await fetch(`${noBucket.url}/v1/files`);
  expect(r.status).toBe(503);
  expect((await r.json()).error.message).toContain("GENAI_BUCKET");
  expect((await fetch(`${noBucket.url}/v1/models`)).status).toBe(200);
});
