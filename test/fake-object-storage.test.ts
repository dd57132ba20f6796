/**
 * Tests of the fake OCI Object Storage (test/support/fake-oci/object-storage.ts), driven by the
 * real `oci-objectstorage` SDK client: paths, headers, body shapes and signatures must be what
 * the SDK sends and parses.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeOci, matchRoute, startFakeOci } from "./support/fake-oci";
import { makeTestCredentials, type TestCredentials } from "./support/keys";
import { sdkFailure } from "./support/oci-sdk";

// Read by oci-common at module load (OCI-WIRE.md §0.5, §0.6): set before importing the SDK.
process.env.OCI_SDK_DEFAULT_RETRY_ENABLED = "false";
process.env.OCI_SDK_DEFAULT_CIRCUITBREAKER_ENABLED = "false";
const common = await import("oci-common");
const os = await import("oci-objectstorage");

type Json = Record<string, unknown>;

const NS = "testnamespace";
const BUCKET = "uploads";

let dir: string;
let creds: TestCredentials;
let fake: FakeOci;
let client: InstanceType<typeof os.ObjectStorageClient>;

function makeProvider() {
  return new common.SimpleAuthenticationDetailsProvider(
    creds.tenancy,
    creds.user,
    creds.fingerprint,
    creds.privateKeyPem,
    null,
    common.Region.US_CHICAGO_1,
  );
}

const md5 = (bytes: Uint8Array | string) => createHash("md5").update(bytes).digest("base64");

/** The bytes of a getObject `value` (a web ReadableStream with native fetch). */
async function bytesOf(value: unknown): Promise<Uint8Array> {
  return new Uint8Array(await new Response(value as ReadableStream<Uint8Array>).arrayBuffer());
}

/** The OciError a promise rejects with (the SDK's own warning about it kept out of the output). */
async function ociErrorOf(p: Promise<unknown>): Promise<{ statusCode: number; serviceCode: string; message: string }> {
  return (await sdkFailure(p)) as { statusCode: number; serviceCode: string; message: string };
}

async function put(
  objectName: string,
  body: string | Buffer,
  extra: Partial<Parameters<typeof client.putObject>[0]> = {},
) {
  return client.putObject({ namespaceName: NS, bucketName: BUCKET, objectName, putObjectBody: body, ...extra });
}

/** A request signed by oci-common's DefaultRequestSigner (optionally like PutObject: body excluded), then tampered. */
async function signedFetch(
  method: string,
  path: string,
  opts: {
    body?: string;
    excludeBody?: boolean;
    tamper?: (headers: Headers) => void;
    sendPath?: string;
    sendBody?: string;
  } = {},
): Promise<Response> {
  const headers = new Headers();
  await new common.DefaultRequestSigner(makeProvider()).signHttpRequest(
    { method: method as "PUT", uri: fake.url + path, headers, body: opts.body },
    opts.excludeBody ?? false,
  );
  opts.tamper?.(headers);
  return fetch(fake.url + (opts.sendPath ?? path), { method, headers, body: opts.sendBody ?? opts.body });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fake-os-test-"));
  creds = await makeTestCredentials(dir);
  fake = await startFakeOci({ keys: [creds] });
  client = new os.ObjectStorageClient({ authenticationDetailsProvider: makeProvider() });
  client.endpoint = fake.url; // after construction; Object Storage paths have no version prefix
});

afterAll(async () => {
  client?.close();
  await fake?.stop();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  fake.clear();
  fake.objectStorage.objects.clear();
  fake.objectStorage.pars.clear();
  fake.objectStorage.buckets = undefined;
  fake.objectStorage.namespace = NS;
});

describe("real oci-objectstorage SDK against the fake", () => {
  afterEach(() => {
    // Every request the SDK sent verified; PAR reads are plain unsigned fetches.
    const sdk = fake.requests.filter((r) => r.op !== "readPar");
    expect(sdk.length).toBeGreaterThan(0);
    for (const r of sdk)
      expect({ op: r.op, signatureOk: r.signatureOk, error: r.signatureError }).toEqual({
        op: r.op,
        signatureOk: true,
        error: undefined,
      });
  });

  test("getNamespace: GET /n answers the namespace as a JSON string", async () => {
    const res = await client.getNamespace({});
    expect(res.value).toBe(NS);
    const [req] = fake.requestsFor("getNamespace");
    expect(req!.path).toBe("/n");
    expect(req!.status).toBe(200);
    fake.objectStorage.namespace = "othernamespace";
    expect((await client.getNamespace({})).value).toBe("othernamespace");
  });

  test("putObject with a string body and a '/' in the name: signed without body headers, stored as sent", async () => {
    const name = "docs/2026/notes ü.txt";
    const text = "hello object storage ✓\n";
    const res = await put(name, text, {
      contentType: "text/plain; charset=utf-8",
      opcMeta: { owner: "alice", purpose: "test" },
    });
    expect(res.opcContentMd5).toBe(md5(text));
    expect(res.eTag).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof res.lastModified).toBe("string");

    const [req] = fake.requestsFor("putObject");
    expect(req!.method).toBe("PUT");
    expect(req!.path).toBe(`/n/${NS}/b/${BUCKET}/o/${encodeURIComponent(name)}`);
    expect(req!.path).toContain("docs%2F2026%2Fnotes");
    // What the SDK signs for PutObject (forceExcludeBody): no content-type/length/x-content-sha256.
    expect(req!.headers.authorization).toContain('headers="x-date (request-target) host"');
    expect(req!.headers["x-content-sha256"]).toBeUndefined();
    expect(req!.rawBody).toBe(text);
    expect(req!.rawBytes).toEqual(new TextEncoder().encode(text));
    expect(req!.status).toBe(200);

    const stored = fake.objectStorage.objects.get(`${BUCKET}/${name}`)!;
    expect(new TextDecoder().decode(stored.bytes)).toBe(text);
    expect(stored.contentType).toBe("text/plain; charset=utf-8");
    expect(stored.meta).toEqual({ owner: "alice", purpose: "test" });
    expect(stored.timeCreated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(stored.etag).toBe(res.eTag);
    expect([...fake.objectStorage.objects.keys()]).toEqual([`${BUCKET}/${name}`]);
  });

  test("putObject with a binary Buffer, then getObject returns the same bytes and headers", async () => {
    const bytes = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7 + 3) % 256)); // not valid UTF-8
    const name = "bin/blob.dat";
    const put1 = await put(name, bytes, { contentType: "application/octet-stream", opcMeta: { kind: "raw" } });
    expect(put1.opcContentMd5).toBe(md5(bytes));
    expect(fake.requestsFor("putObject")[0]!.rawBytes).toEqual(new Uint8Array(bytes));
    expect(fake.objectStorage.objects.get(`${BUCKET}/${name}`)!.bytes).toEqual(new Uint8Array(bytes));

    const got = await client.getObject({ namespaceName: NS, bucketName: BUCKET, objectName: name });
    expect(await bytesOf(got.value)).toEqual(new Uint8Array(bytes));
    expect(got.contentLength).toBe(1024);
    expect(got.contentType).toBe("application/octet-stream");
    expect(got.eTag).toBe(put1.eTag);
    expect(got.contentMd5).toBe(md5(bytes));
    expect(got.opcMeta).toEqual({ "opc-meta-kind": "raw" });
    expect(fake.requestsFor("getObject")[0]!.path).toBe(`/n/${NS}/b/${BUCKET}/o/bin%2Fblob.dat`);

    // Overwrite: new bytes, new etag; no content type → application/octet-stream.
    const put2 = await put(name, Buffer.from([0, 255, 0]));
    expect(put2.eTag).not.toBe(put1.eTag);
    const again = await client.getObject({ namespaceName: NS, bucketName: BUCKET, objectName: name });
    expect(await bytesOf(again.value)).toEqual(new Uint8Array([0, 255, 0]));
    expect(again.contentType).toBe("application/octet-stream");
  });

  test("headObject: the object's headers without a body; unknown object → 404", async () => {
    const put1 = await put("a/b.json", '{"x":1}', { contentType: "application/json" });
    const head = await client.headObject({ namespaceName: NS, bucketName: BUCKET, objectName: "a/b.json" });
    expect(head.contentLength).toBe(7);
    expect(head.eTag).toBe(put1.eTag);
    expect(head.contentType).toBe("application/json");
    expect(head.contentMd5).toBe(md5('{"x":1}'));
    expect(fake.requestsFor("headObject")[0]!).toMatchObject({ method: "HEAD", status: 200 });

    const err = await ociErrorOf(client.headObject({ namespaceName: NS, bucketName: BUCKET, objectName: "a/missing" }));
    expect(err.statusCode).toBe(404);
  });

  test("listObjects: sorted by name, prefix, fields, limit/start paging, delimiter", async () => {
    for (const n of ["docs/c.txt", "docs/a.txt", "img/x.png", "docs/b.txt", "docs/sub/d.txt", "readme"])
      await put(n, `content of ${n}`);

    const all = await client.listObjects({
      namespaceName: NS,
      bucketName: BUCKET,
      prefix: "docs/",
      fields: "name,size,timeCreated,md5,etag",
    });
    const objects = all.listObjects.objects;
    expect(objects.map((o) => o.name)).toEqual(["docs/a.txt", "docs/b.txt", "docs/c.txt", "docs/sub/d.txt"]);
    expect(objects[0]).toEqual({
      name: "docs/a.txt",
      size: "content of docs/a.txt".length,
      timeCreated: fake.objectStorage.objects.get(`${BUCKET}/docs/a.txt`)!.timeCreated as unknown as Date, // dates stay strings (§0.9)
      md5: md5("content of docs/a.txt"),
      etag: fake.objectStorage.objects.get(`${BUCKET}/docs/a.txt`)!.etag,
    });
    expect(all.listObjects.nextStartWith).toBeUndefined();
    expect(fake.requestsFor("listObjects")[0]!.path).toStartWith(`/n/${NS}/b/${BUCKET}/o?prefix=docs/&fields=`);

    // Without fields, OCI returns names only.
    const names = await client.listObjects({ namespaceName: NS, bucketName: BUCKET });
    expect(names.listObjects.objects).toEqual(
      ["docs/a.txt", "docs/b.txt", "docs/c.txt", "docs/sub/d.txt", "img/x.png", "readme"].map((name) => ({ name })),
    );

    const page1 = await client.listObjects({ namespaceName: NS, bucketName: BUCKET, prefix: "docs/", limit: 2 });
    expect(page1.listObjects.objects.map((o) => o.name)).toEqual(["docs/a.txt", "docs/b.txt"]);
    expect(page1.listObjects.nextStartWith).toBe("docs/c.txt");
    const page2 = await client.listObjects({
      namespaceName: NS,
      bucketName: BUCKET,
      prefix: "docs/",
      limit: 2,
      start: page1.listObjects.nextStartWith,
    });
    expect(page2.listObjects.objects.map((o) => o.name)).toEqual(["docs/c.txt", "docs/sub/d.txt"]);
    expect(page2.listObjects.nextStartWith).toBeUndefined();

    const folded = await client.listObjects({ namespaceName: NS, bucketName: BUCKET, prefix: "docs/", delimiter: "/" });
    expect(folded.listObjects.objects.map((o) => o.name)).toEqual(["docs/a.txt", "docs/b.txt", "docs/c.txt"]);
    expect(folded.listObjects.prefixes).toEqual(["docs/sub/"]);

    const none = await client.listObjects({ namespaceName: NS, bucketName: "other-bucket" });
    expect(none.listObjects.objects).toEqual([]);
  });

  test("deleteObject → 204, then getObject/deleteObject → 404 ObjectNotFound", async () => {
    await put("tmp/gone.txt", "bye");
    await put("tmp/kept.txt", "stay");
    await client.deleteObject({ namespaceName: NS, bucketName: BUCKET, objectName: "tmp/gone.txt" });
    expect(fake.requestsFor("deleteObject")[0]!.status).toBe(204);
    expect([...fake.objectStorage.objects.keys()]).toEqual([`${BUCKET}/tmp/kept.txt`]);

    const get = await ociErrorOf(
      client.getObject({ namespaceName: NS, bucketName: BUCKET, objectName: "tmp/gone.txt" }),
    );
    expect(get).toMatchObject({ statusCode: 404, serviceCode: "ObjectNotFound" });
    expect(get.message).toContain("tmp/gone.txt");
    const del = await ociErrorOf(
      client.deleteObject({ namespaceName: NS, bucketName: BUCKET, objectName: "tmp/gone.txt" }),
    );
    expect(del).toMatchObject({ statusCode: 404, serviceCode: "ObjectNotFound" });
  });

  test("wrong namespace, or a bucket outside fake.objectStorage.buckets → 404 BucketNotFound", async () => {
    const wrongNs = await ociErrorOf(
      client.putObject({ namespaceName: "nope", bucketName: BUCKET, objectName: "x", putObjectBody: "x" }),
    );
    expect(wrongNs).toMatchObject({ statusCode: 404, serviceCode: "BucketNotFound" });
    expect(fake.objectStorage.objects.size).toBe(0);

    fake.objectStorage.buckets = [BUCKET];
    await put("ok.txt", "ok");
    for (const call of [
      client.getObject({ namespaceName: NS, bucketName: "elsewhere", objectName: "ok.txt" }),
      client.listObjects({ namespaceName: NS, bucketName: "elsewhere" }),
      client.putObject({ namespaceName: NS, bucketName: "elsewhere", objectName: "ok.txt", putObjectBody: "no" }),
    ]) {
      expect(await ociErrorOf(call)).toMatchObject({ statusCode: 404, serviceCode: "BucketNotFound" });
    }
    expect([...fake.objectStorage.objects.keys()]).toEqual([`${BUCKET}/ok.txt`]);
  });

  test("createPreauthenticatedRequest: an unsigned fetch of the accessUri returns the bytes", async () => {
    const bytes = Buffer.from([1, 2, 3, 250, 251, 252]);
    await put("shared/file.bin", bytes, { contentType: "application/pdf" });
    await put("shared/other.bin", "secret");
    const timeExpires = new Date(Date.now() + 60_000);
    const res = await client.createPreauthenticatedRequest({
      namespaceName: NS,
      bucketName: BUCKET,
      createPreauthenticatedRequestDetails: {
        name: "share-1",
        accessType: os.models.CreatePreauthenticatedRequestDetails.AccessType.ObjectRead,
        objectName: "shared/file.bin",
        timeExpires,
      },
    });
    const par = res.preauthenticatedRequest;
    expect(par.name).toBe("share-1");
    expect(par.objectName).toBe("shared/file.bin");
    expect(par.accessType).toBe(os.models.PreauthenticatedRequest.AccessType.ObjectRead);
    expect(par.accessUri).toMatch(new RegExp(`^/p/[A-Za-z0-9_-]{20,}/n/${NS}/b/${BUCKET}/o/shared%2Ffile\\.bin$`));
    expect(par.id).toBeTruthy();
    expect(par.timeExpires as unknown as string).toBe(timeExpires.toISOString());
    expect(par.fullPath).toBe(fake.url + par.accessUri);
    const [createReq] = fake.requestsFor("createPar");
    expect(createReq!.path).toBe(`/n/${NS}/b/${BUCKET}/p`);
    expect(createReq!.body).toMatchObject({ name: "share-1", accessType: "ObjectRead", objectName: "shared/file.bin" });
    expect(fake.objectStorage.pars.get(par.id)).toMatchObject({
      name: "share-1",
      bucket: BUCKET,
      objectName: "shared/file.bin",
    });

    const read = await fetch(fake.url + par.accessUri);
    expect(read.status).toBe(200);
    expect(read.headers.get("content-type")).toBe("application/pdf");
    expect(new Uint8Array(await read.arrayBuffer())).toEqual(new Uint8Array(bytes));
    const [readReq] = fake.requestsFor("readPar");
    expect(readReq!.headers.authorization).toBeUndefined();
    expect(readReq!).toMatchObject({ signatureOk: false, status: 200 }); // no signature came along, none needed

    const head = await fetch(fake.url + par.accessUri, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("6");

    // The token covers exactly that object: another object's path with the same token is refused.
    const token = par.accessUri.split("/")[2]!;
    const forged = await fetch(`${fake.url}/p/${token}/n/${NS}/b/${BUCKET}/o/shared%2Fother.bin`);
    expect(forged.status).toBe(404);
    expect(((await forged.json()) as Json).code).toBe("NotAuthorizedOrNotFound");
    expect(new TextDecoder().decode(fake.objectStorage.objects.get(`${BUCKET}/shared/other.bin`)!.bytes)).toBe(
      "secret",
    );
    expect((await fetch(`${fake.url}/p/${token}x/n/${NS}/b/${BUCKET}/o/shared%2Ffile.bin`)).status).toBe(404);
    expect((await fetch(`${fake.url}/p/${token}/n/${NS}/b/another/o/shared%2Ffile.bin`)).status).toBe(404);

    // Expired → 404; deleted PAR → 404.
    fake.objectStorage.pars.get(par.id)!.timeExpires = new Date(Date.now() - 1000).toISOString();
    expect((await fetch(fake.url + par.accessUri)).status).toBe(404);
    fake.objectStorage.pars.get(par.id)!.timeExpires = timeExpires.toISOString();
    expect((await fetch(fake.url + par.accessUri)).status).toBe(200);
    await client.deletePreauthenticatedRequest({ namespaceName: NS, bucketName: BUCKET, parId: par.id });
    expect(fake.objectStorage.pars.size).toBe(0);
    expect((await fetch(fake.url + par.accessUri)).status).toBe(404);
  });

  test("createPreauthenticatedRequest validates its details; a PAR on a deleted object reads 404", async () => {
    const past = await ociErrorOf(
      client.createPreauthenticatedRequest({
        namespaceName: NS,
        bucketName: BUCKET,
        createPreauthenticatedRequestDetails: {
          name: "late",
          accessType: os.models.CreatePreauthenticatedRequestDetails.AccessType.ObjectRead,
          objectName: "x",
          timeExpires: new Date(Date.now() - 1000),
        },
      }),
    );
    expect(past).toMatchObject({ statusCode: 400, serviceCode: "InvalidParameter" });

    await put("soon-gone", "data");
    const { preauthenticatedRequest: par } = await client.createPreauthenticatedRequest({
      namespaceName: NS,
      bucketName: BUCKET,
      createPreauthenticatedRequestDetails: {
        name: "p",
        accessType: os.models.CreatePreauthenticatedRequestDetails.AccessType.ObjectRead,
        objectName: "soon-gone",
        timeExpires: new Date(Date.now() + 60_000),
      },
    });
    await client.deleteObject({ namespaceName: NS, bucketName: BUCKET, objectName: "soon-gone" });
    const read = await fetch(fake.url + par.accessUri);
    expect(read.status).toBe(404);
    expect(((await read.json()) as Json).code).toBe("ObjectNotFound");
  });

  test("scripted replies work for Object Storage ops", async () => {
    fake.script("getObject", { error: { status: 503, code: "ServiceUnavailable", message: "try later" } });
    const err = await ociErrorOf(client.getObject({ namespaceName: NS, bucketName: BUCKET, objectName: "any" }));
    expect(err).toMatchObject({ statusCode: 503, serviceCode: "ServiceUnavailable" });
    fake.script("putObject", { json: undefined, headers: { etag: "scripted" } });
    const res = await put("not-stored", "x");
    expect(res.eTag).toBe("scripted");
    expect(fake.objectStorage.objects.size).toBe(0); // a scripted reply replaces the default behaviour
  });
});

describe("signatures on Object Storage routes", () => {
  async function expect401(res: Response, why: RegExp) {
    expect(res.status).toBe(401);
    const json = (await res.json()) as Json;
    expect(json.code).toBe("NotAuthenticated");
    expect(json.message).toMatch(why);
    expect(fake.requests.at(-1)!).toMatchObject({ signatureOk: false, status: 401 });
  }

  test("PutObject signed like the SDK (no body headers) passes", async () => {
    const res = await signedFetch("PUT", `/n/${NS}/b/${BUCKET}/o/raw.txt`, { body: "raw", excludeBody: true });
    expect(res.status).toBe(200);
    expect(fake.requests[0]!).toMatchObject({ op: "putObject", signatureOk: true });
  });

  test("PutObject that does sign the body headers is checked against the body", async () => {
    const ok = await signedFetch("PUT", `/n/${NS}/b/${BUCKET}/o/full.txt`, { body: "full" });
    expect(ok.status).toBe(200);
    expect(fake.requests[0]!.headers.authorization).toContain("x-content-sha256");
    await expect401(
      await signedFetch("PUT", `/n/${NS}/b/${BUCKET}/o/full.txt`, {
        body: "full",
        sendBody: "fool", // same length, different bytes
      }),
      /x-content-sha256/,
    );
    expect(new TextDecoder().decode(fake.objectStorage.objects.get(`${BUCKET}/full.txt`)!.bytes)).toBe("full");
  });

  test("tampered signature → 401 and nothing stored", async () => {
    await expect401(
      await signedFetch("PUT", `/n/${NS}/b/${BUCKET}/o/evil.txt`, {
        body: "evil",
        excludeBody: true,
        tamper: (h) => {
          const auth = h.get("authorization")!;
          const sig = /signature="([^"]+)"/.exec(auth)![1]!;
          const flipped = (sig[0] === "A" ? "B" : "A") + sig.slice(1);
          h.set("authorization", auth.replace(sig, flipped));
        },
      }),
      /Signature does not match/,
    );
    expect(fake.objectStorage.objects.size).toBe(0);
  });

  test("a signature for one object does not cover another object's path", async () => {
    await put("victim.txt", "original");
    fake.clear();
    await expect401(
      await signedFetch("PUT", `/n/${NS}/b/${BUCKET}/o/mine.txt`, {
        body: "overwrite",
        excludeBody: true,
        sendPath: `/n/${NS}/b/${BUCKET}/o/victim.txt`,
      }),
      /Signature does not match/,
    );
    expect(new TextDecoder().decode(fake.objectStorage.objects.get(`${BUCKET}/victim.txt`)!.bytes)).toBe("original");
    await expect401(await fetch(`${fake.url}/n/${NS}/b/${BUCKET}/o/victim.txt`), /Authorization/);
  });

  test("the JSON APIs still require the body headers on PUT/POST", async () => {
    const body = JSON.stringify({ displayName: "x" });
    await expect401(
      await signedFetch("PUT", "/20240531/agentEndpoints/ep/sessions/s1", { body, excludeBody: true }),
      /Signed headers missing: content-type/,
    );
    await expect401(
      await signedFetch("POST", `/n/${NS}/b/${BUCKET}/p`, { body: JSON.stringify({ name: "p" }), excludeBody: true }),
      /Signed headers missing: content-type/,
    );
  });
});

describe("routing", () => {
  test("object names: %2F-encoded and literal slashes name the same object; other paths unchanged", () => {
    expect(matchRoute("PUT", "/n/ns/b/bk/o/a%2Fb%20c.txt")).toEqual({
      op: "putObject",
      params: { namespace: "ns", bucket: "bk", object: "a/b c.txt" },
    });
    expect(matchRoute("GET", "/n/ns/b/bk/o/a/b%20c.txt")).toEqual({
      op: "getObject",
      params: { namespace: "ns", bucket: "bk", object: "a/b c.txt" },
    });
    expect(matchRoute("HEAD", "/n/ns/b/bk/o/x").op).toBe("headObject");
    expect(matchRoute("DELETE", "/n/ns/b/bk/o/x").op).toBe("deleteObject");
    expect(matchRoute("GET", "/n/ns/b/bk/o").op).toBe("listObjects");
    expect(matchRoute("GET", "/n").op).toBe("getNamespace");
    expect(matchRoute("GET", "/n/").op).toBe("getNamespace");
    expect(matchRoute("POST", "/n/ns/b/bk/p").op).toBe("createPar");
    expect(matchRoute("POST", "/n/ns/b/bk/p/").op).toBe("createPar");
    expect(matchRoute("DELETE", "/n/ns/b/bk/p/abc").op).toBe("deletePar");
    expect(matchRoute("GET", "/p/tok/n/ns/b/bk/o/a%2Fb")).toEqual({
      op: "readPar",
      params: { token: "tok", namespace: "ns", bucket: "bk", object: "a/b" },
    });
    expect(matchRoute("POST", "/n/ns/b/bk/o/x").op).toBe("notFound");
    expect(matchRoute("PUT", "/p/tok/n/ns/b/bk/o/x").op).toBe("notFound");
    expect(matchRoute("POST", "/20231130/actions/chat").op).toBe("chat");
    expect(matchRoute("GET", "/20231130/nothing").op).toBe("notFound");
  });
});
