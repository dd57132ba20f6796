/**
 * Fake OCI Object Storage (API 20160918; its paths carry no version prefix), served on the same
 * port as the Generative AI routes. Shapes follow the `oci-objectstorage` SDK models:
 *
 *   GET    /n                                   getNamespace  → "namespace" (a JSON string)
 *   PUT    /n/{ns}/b/{bucket}/o/{object}        putObject     → 200, etag, opc-content-md5, last-modified
 *   GET    /n/{ns}/b/{bucket}/o/{object}        getObject     → the bytes, content-type, etag, content-md5
 *   HEAD   /n/{ns}/b/{bucket}/o/{object}        headObject    → same headers, no body
 *   DELETE /n/{ns}/b/{bucket}/o/{object}        deleteObject  → 204
 *   GET    /n/{ns}/b/{bucket}/o?prefix&start&end&startAfter&limit&delimiter&fields   listObjects
 *   POST   /n/{ns}/b/{bucket}/p                 createPar     → PreauthenticatedRequest
 *   DELETE /n/{ns}/b/{bucket}/p/{parId}         deletePar     → 204
 *   GET    /p/{token}/n/{ns}/b/{bucket}/o/{object}   readPar  (no signature needed; HEAD too)
 *
 * The object name is everything after `/o/`, percent-decoded: the SDK sends `a%2Fb`, a
 * hand-written client may send `a/b`; both name the object "a/b".
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { isRecord, nowIso, ociError } from "./defaults";
import type { FakeReply, HeaderMap, ObjectStorageState, RecordedRequest, StoredObject, StoredPar } from "./types";

export interface ObjectStorageRoute {
  op: string;
  params: Record<string, string>;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const NS_BUCKET = "/n/([^/]+)/b/([^/]+)";
const RE_NAMESPACE = /^\/n\/?$/;
const RE_LIST = new RegExp(`^${NS_BUCKET}/o/?$`);
const RE_OBJECT = new RegExp(`^${NS_BUCKET}/o/(.+)$`);
const RE_PARS = new RegExp(`^${NS_BUCKET}/p/?$`);
const RE_PAR = new RegExp(`^${NS_BUCKET}/p/([^/]+)$`);
const RE_READ_PAR = new RegExp(`^/p/([^/]+)${NS_BUCKET}/o/(.+)$`);

const OBJECT_OPS: Record<string, string> = {
  PUT: "putObject",
  GET: "getObject",
  HEAD: "headObject",
  DELETE: "deleteObject",
};

/** Object Storage routes; undefined when the path/method is not one of them. */
export function matchObjectStorageRoute(method: string, pathname: string): ObjectStorageRoute | undefined {
  const m = method.toUpperCase();
  if (RE_NAMESPACE.test(pathname)) return m === "GET" ? { op: "getNamespace", params: {} } : undefined;
  let g = RE_LIST.exec(pathname);
  if (g) {
    return m === "GET" ? { op: "listObjects", params: { namespace: decode(g[1]!), bucket: decode(g[2]!) } } : undefined;
  }
  g = RE_OBJECT.exec(pathname);
  if (g) {
    const op = OBJECT_OPS[m];
    return op ? { op, params: { namespace: decode(g[1]!), bucket: decode(g[2]!), object: decode(g[3]!) } } : undefined;
  }
  g = RE_PARS.exec(pathname);
  if (g) {
    return m === "POST" ? { op: "createPar", params: { namespace: decode(g[1]!), bucket: decode(g[2]!) } } : undefined;
  }
  g = RE_PAR.exec(pathname);
  if (g) {
    return m === "DELETE"
      ? { op: "deletePar", params: { namespace: decode(g[1]!), bucket: decode(g[2]!), parId: decode(g[3]!) } }
      : undefined;
  }
  g = RE_READ_PAR.exec(pathname);
  if (g) {
    if (m !== "GET" && m !== "HEAD") return undefined;
    return {
      op: "readPar",
      params: { token: g[1]!, namespace: decode(g[2]!), bucket: decode(g[3]!), object: decode(g[4]!) },
    };
  }
  return undefined;
}

/** Operations the fake serves without requiring a signature (anyone holding the URL may read). */
export const UNSIGNED_OPS: ReadonlySet<string> = new Set(["readPar"]);
/** Operations the SDK signs without the body headers (forceExcludeBody). */
export const BODY_UNSIGNED_OPS: ReadonlySet<string> = new Set(["putObject"]);

const READ_ACCESS = new Set(["ObjectRead", "ObjectReadWrite", "AnyObjectRead", "AnyObjectReadWrite"]);
const ACCESS_TYPES = new Set([
  "ObjectRead",
  "ObjectWrite",
  "ObjectReadWrite",
  "AnyObjectWrite",
  "AnyObjectRead",
  "AnyObjectReadWrite",
]);
const MAX_LIST_LIMIT = 1000;

function md5Base64(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("base64");
}

export class ObjectStorageFake implements ObjectStorageState {
  namespace: string;
  buckets?: string[];
  readonly objects = new Map<string, StoredObject>();
  readonly pars = new Map<string, StoredPar>();

  constructor(opts: { namespace?: string; buckets?: string[] } = {}) {
    this.namespace = opts.namespace ?? "testnamespace";
    if (opts.buckets) this.buckets = [...opts.buckets];
  }

  handle(route: ObjectStorageRoute, rec: RecordedRequest): FakeReply {
    const p = route.params;
    if (route.op === "getNamespace") return { json: this.namespace };
    if (route.op === "readPar")
      return this.readPar(p.token!, p.namespace!, p.bucket!, p.object!, rec.method.toUpperCase() === "HEAD");

    const missing = this.bucketMissing(p.namespace!, p.bucket!);
    if (missing) return missing;
    switch (route.op) {
      case "putObject":
        return this.putObject(p.bucket!, p.object!, rec);
      case "getObject":
        return this.getObject(p.bucket!, p.object!, false);
      case "headObject":
        return this.getObject(p.bucket!, p.object!, true);
      case "deleteObject":
        return this.deleteObject(p.bucket!, p.object!);
      case "listObjects":
        return this.listObjects(p.bucket!, new URL(rec.path, "http://fake").searchParams);
      case "createPar":
        return this.createPar(p.namespace!, p.bucket!, rec);
      case "deletePar":
        return this.deletePar(p.bucket!, p.parId!);
      default:
        return ociError(404, "NotFound", `No route for ${rec.method} ${rec.path}`);
    }
  }

  private bucketMissing(namespace: string, bucket: string): FakeReply | undefined {
    if (namespace === this.namespace && (this.buckets === undefined || this.buckets.includes(bucket))) return undefined;
    return ociError(
      404,
      "BucketNotFound",
      `Either the bucket named '${bucket}' does not exist in the namespace '${namespace}' or you are not authorized to access it`,
    );
  }

  private objectNotFound(bucket: string, object: string): FakeReply {
    return ociError(404, "ObjectNotFound", `The object '${object}' was not found in the bucket '${bucket}'`);
  }

  private putObject(bucket: string, object: string, rec: RecordedRequest): FakeReply {
    const bytes = rec.rawBytes.slice();
    const md5 = md5Base64(bytes);
    const sentMd5 = rec.headers["content-md5"];
    if (sentMd5 !== undefined && sentMd5 !== md5) {
      // OCI: "HTTP-400 Unmatched Content MD5" (the exact code string is an assumption).
      return ociError(
        400,
        "UnmatchedContentMD5",
        `The computed MD5 of the request body (${md5}) does not match the Content-MD5 header (${sentMd5})`,
      );
    }
    const meta: Record<string, string> = {};
    for (const [name, value] of Object.entries(rec.headers)) {
      if (name.startsWith("opc-meta-")) meta[name.slice("opc-meta-".length)] = value;
    }
    const stored: StoredObject = {
      bytes,
      contentType: rec.headers["content-type"] || "application/octet-stream",
      meta,
      timeCreated: nowIso(),
      etag: randomUUID(),
      md5,
    };
    this.objects.set(`${bucket}/${object}`, stored);
    return {
      json: undefined,
      status: 200,
      headers: {
        etag: stored.etag,
        "opc-content-md5": md5,
        "last-modified": new Date(stored.timeCreated).toUTCString(),
      },
    };
  }

  private objectHeaders(o: StoredObject): HeaderMap {
    const headers: HeaderMap = {
      "content-type": o.contentType,
      etag: o.etag,
      "content-md5": o.md5,
      "last-modified": new Date(o.timeCreated).toUTCString(),
      "accept-ranges": "bytes",
    };
    for (const [k, v] of Object.entries(o.meta)) headers[`opc-meta-${k}`] = v;
    return headers;
  }

  /** The object's bytes (or, for HEAD, its headers with an explicit content-length and no body). */
  private serveObject(o: StoredObject, head: boolean): FakeReply {
    if (head)
      return {
        json: undefined,
        status: 200,
        headers: { ...this.objectHeaders(o), "content-length": String(o.bytes.byteLength) },
      };
    return { raw: o.bytes.slice(), status: 200, headers: this.objectHeaders(o) };
  }

  private getObject(bucket: string, object: string, head: boolean): FakeReply {
    const o = this.objects.get(`${bucket}/${object}`);
    return o ? this.serveObject(o, head) : this.objectNotFound(bucket, object);
  }

  private deleteObject(bucket: string, object: string): FakeReply {
    if (!this.objects.delete(`${bucket}/${object}`)) return this.objectNotFound(bucket, object);
    return { json: undefined, status: 204, headers: { "last-modified": new Date().toUTCString() } };
  }

  private listObjects(bucket: string, q: URLSearchParams): FakeReply {
    const prefix = q.get("prefix") ?? "";
    const start = q.get("start");
    const end = q.get("end");
    const startAfter = q.get("startAfter");
    const delimiter = q.get("delimiter");
    const limitText = q.get("limit");
    const limit = limitText === null ? MAX_LIST_LIMIT : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      return ociError(
        400,
        "InvalidParameter",
        `limit must be an integer between 1 and ${MAX_LIST_LIMIT} (got ${limitText})`,
      );
    }
    if (delimiter !== null && delimiter !== "/")
      return ociError(400, "InvalidParameter", "Only '/' is a supported delimiter");
    const fields = new Set(
      (q.get("fields") ?? "")
        .split(",")
        .map((f) => f.trim())
        .filter(Boolean),
    );

    const names: string[] = [];
    for (const key of this.objects.keys()) {
      const slash = key.indexOf("/");
      if (key.slice(0, slash) === bucket) names.push(key.slice(slash + 1));
    }
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

    const objects: Record<string, unknown>[] = [];
    const prefixes: string[] = [];
    let nextStartWith: string | undefined;
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      if (start !== null && name < start) continue;
      if (startAfter !== null && name <= startAfter) continue;
      if (end !== null && name >= end) continue;
      const cut = delimiter ? name.indexOf(delimiter, prefix.length) : -1;
      const folded = cut >= 0 ? name.slice(0, cut + 1) : undefined;
      if (folded !== undefined && prefixes.includes(folded)) continue;
      if (objects.length + prefixes.length >= limit) {
        nextStartWith = name;
        break;
      }
      if (folded !== undefined) {
        prefixes.push(folded);
        continue;
      }
      const o = this.objects.get(`${bucket}/${name}`)!;
      const summary: Record<string, unknown> = { name };
      if (fields.has("size")) summary.size = o.bytes.byteLength;
      if (fields.has("etag")) summary.etag = o.etag;
      if (fields.has("md5")) summary.md5 = o.md5;
      if (fields.has("timeCreated")) summary.timeCreated = o.timeCreated;
      if (fields.has("timeModified")) summary.timeModified = o.timeCreated;
      if (fields.has("storageTier")) summary.storageTier = "Standard";
      objects.push(summary);
    }
    return {
      json: {
        objects,
        ...(delimiter ? { prefixes } : {}),
        ...(nextStartWith !== undefined ? { nextStartWith } : {}),
      },
    };
  }

  private createPar(namespace: string, bucket: string, rec: RecordedRequest): FakeReply {
    const b = rec.body;
    if (!isRecord(b)) return ociError(400, "InvalidParameter", "Request body is not a JSON object");
    if (typeof b.name !== "string" || !b.name) return ociError(400, "MissingParameter", "name is required");
    if (typeof b.accessType !== "string" || !ACCESS_TYPES.has(b.accessType)) {
      return ociError(400, "InvalidParameter", `accessType must be one of ${[...ACCESS_TYPES].join(", ")}`);
    }
    const anyObject = b.accessType.startsWith("AnyObject");
    if (!anyObject && (typeof b.objectName !== "string" || !b.objectName)) {
      return ociError(400, "MissingParameter", `objectName is required for accessType ${b.accessType}`);
    }
    const expires = typeof b.timeExpires === "string" ? Date.parse(b.timeExpires) : NaN;
    if (Number.isNaN(expires)) return ociError(400, "InvalidParameter", "timeExpires is missing or not a date");
    if (expires <= Date.now()) return ociError(400, "InvalidParameter", "timeExpires must be in the future");

    const objectName = anyObject ? undefined : (b.objectName as string);
    const token = randomBytes(32).toString("base64url");
    const accessUri = `/p/${token}/n/${encodeURIComponent(namespace)}/b/${encodeURIComponent(bucket)}/o/${
      objectName === undefined ? "" : encodeURIComponent(objectName)
    }`;
    const par: StoredPar = {
      id: randomBytes(24).toString("base64url"),
      name: b.name,
      token,
      namespace,
      bucket,
      ...(objectName !== undefined ? { objectName } : {}),
      accessType: b.accessType,
      ...(typeof b.bucketListingAction === "string" ? { bucketListingAction: b.bucketListingAction } : {}),
      accessUri,
      timeCreated: nowIso(),
      timeExpires: new Date(expires).toISOString(),
    };
    this.pars.set(par.id, par);
    const host = rec.headers.host;
    return {
      json: {
        id: par.id,
        name: par.name,
        accessUri,
        ...(objectName !== undefined ? { objectName } : {}),
        ...(par.bucketListingAction ? { bucketListingAction: par.bucketListingAction } : {}),
        accessType: par.accessType,
        timeCreated: par.timeCreated,
        timeExpires: par.timeExpires,
        ...(host ? { fullPath: `http://${host}${accessUri}` } : {}),
      },
    };
  }

  private deletePar(bucket: string, parId: string): FakeReply {
    const par = this.pars.get(parId);
    if (!par || par.bucket !== bucket) {
      return ociError(404, "NotAuthorizedOrNotFound", `No pre-authenticated request '${parId}' in bucket '${bucket}'`);
    }
    this.pars.delete(parId);
    return { json: undefined, status: 204 };
  }

  /** A PAR URL read: the token must exist, be unexpired, allow reads and cover exactly this object. */
  private readPar(token: string, namespace: string, bucket: string, object: string, head: boolean): FakeReply {
    let par: StoredPar | undefined;
    for (const p of this.pars.values()) if (p.token === token) par = p;
    const refused = ociError(
      404,
      "NotAuthorizedOrNotFound",
      "The pre-authenticated request does not exist, has expired or does not cover this object",
    );
    if (
      !par ||
      Date.parse(par.timeExpires) <= Date.now() ||
      !READ_ACCESS.has(par.accessType) ||
      par.namespace !== namespace ||
      par.bucket !== bucket ||
      (par.objectName !== undefined && par.objectName !== object)
    ) {
      return refused;
    }
    const o = this.objects.get(`${bucket}/${object}`);
    return o ? this.serveObject(o, head) : this.objectNotFound(bucket, object);
  }
}
