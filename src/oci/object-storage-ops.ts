import { UpstreamError } from "../errors/upstream-error";
import type { SignedHttp } from "./signed-http";
import type { BucketLocation, ObjectInfo, ObjectLocation, OciTransport } from "./transport";

type ObjectStorageOps = Pick<
  OciTransport,
  "getNamespace" | "putObject" | "headObject" | "getObject" | "deleteObject" | "listObjects" | "createReadPar"
>;

/** OCI Object Storage over the signed HTTP exchange (paths as in OCI's REST API; no version prefix). */
export function createObjectStorageOps(http: SignedHttp, baseUrl: (region: string) => string): ObjectStorageOps {
  const bucketUrl = (b: BucketLocation) =>
    `${baseUrl(b.region)}/n/${encodeURIComponent(b.namespace)}/b/${encodeURIComponent(b.bucket)}`;
  const objectUrl = (l: ObjectLocation) => `${bucketUrl(l)}/o/${encodeURIComponent(l.object)}`;

  return {
    async getNamespace(region, opts) {
      const reply = await http.exchange("GET", `${baseUrl(region)}/n/`, undefined, opts);
      if (typeof reply.body !== "string" || reply.body === "")
        throw new UpstreamError("bad_response", "GetNamespace answered without a namespace");
      return reply.body;
    },

    async putObject(loc, body, meta, opts) {
      const headers: Record<string, string> = {
        "content-type": meta.contentType,
        "content-length": String(body.byteLength),
      };
      for (const [k, v] of Object.entries(meta.metadata)) headers[`opc-meta-${k}`] = v;
      const res = await http.raw("PUT", objectUrl(loc), { body, headers, excludeBody: true }, opts);
      await res.body?.cancel();
    },

    async headObject(loc, opts) {
      const res = await http.raw("HEAD", objectUrl(loc), {}, opts);
      return objectInfo(res.headers);
    },

    async getObject(loc, opts) {
      const res = await http.raw("GET", objectUrl(loc), {}, opts);
      if (!res.body) throw new UpstreamError("bad_response", "GetObject answered without a body");
      return { ...objectInfo(res.headers), body: res.body };
    },

    async deleteObject(loc, opts) {
      const res = await http.raw("DELETE", objectUrl(loc), {}, opts);
      await res.body?.cancel();
    },

    async listObjects(b, q, opts) {
      const params = new URLSearchParams({ prefix: q.prefix, fields: "name,size,timeCreated" });
      if (q.start) params.set("start", q.start);
      if (q.limit) params.set("limit", String(q.limit));
      const reply = await http.exchange("GET", `${bucketUrl(b)}/o?${params}`, undefined, opts);
      const body = reply.body as { objects?: unknown; nextStartWith?: unknown } | undefined;
      if (!body || !Array.isArray(body.objects))
        throw new UpstreamError("bad_response", "ListObjects answered without an objects list");
      return {
        objects: body.objects.map((o: { name?: unknown; size?: unknown; timeCreated?: unknown }) => ({
          name: String(o.name),
          size: typeof o.size === "number" ? o.size : 0,
          created: toEpoch(typeof o.timeCreated === "string" ? o.timeCreated : undefined),
        })),
        nextStartWith: typeof body.nextStartWith === "string" ? body.nextStartWith : undefined,
      };
    },

    async createReadPar(loc, expires, opts) {
      const details = {
        name: `ocigenai-${Date.now()}`,
        accessType: "ObjectRead",
        objectName: loc.object,
        timeExpires: expires.toISOString(),
      };
      const reply = await http.exchange("POST", `${bucketUrl(loc)}/p/`, { json: details }, opts);
      const uri = (reply.body as { accessUri?: unknown } | undefined)?.accessUri;
      if (typeof uri !== "string")
        throw new UpstreamError("bad_response", "CreatePreauthenticatedRequest answered without an accessUri");
      return new URL(uri, baseUrl(loc.region)).toString();
    },
  };
}

function objectInfo(h: Headers): ObjectInfo {
  const metadata: Record<string, string> = {};
  h.forEach((v, k) => {
    if (k.startsWith("opc-meta-")) metadata[k.slice("opc-meta-".length)] = v;
  });
  return {
    size: Number(h.get("content-length") ?? 0),
    contentType: h.get("content-type") ?? "application/octet-stream",
    metadata,
    created: toEpoch(h.get("last-modified") ?? undefined),
  };
}

function toEpoch(date: string | undefined): number {
  const t = date ? Date.parse(date) : NaN;
  return Math.floor((Number.isNaN(t) ? Date.now() : t) / 1000);
}
