import { UpstreamError } from "../errors/upstream-error";
import type { BucketLocation, ObjectInfo, ObjectLocation, OciTransport } from "../oci/transport";

interface Stored {
  bytes: Uint8Array;
  contentType: string;
  metadata: Record<string, string>;
  created: number;
}

type Ops = Pick<
  OciTransport,
  "getNamespace" | "putObject" | "headObject" | "getObject" | "deleteObject" | "listObjects" | "createReadPar"
>;

/** TEST_MODE's Object Storage: objects kept in memory, same names, answers and errors as OCI. */
export function createMockObjectStorage(): Ops {
  const objects = new Map<string, Stored>();
  const key = (l: ObjectLocation) => `${l.bucket}/${l.object}`;
  const find = (l: ObjectLocation): Stored => {
    const o = objects.get(key(l));
    if (!o)
      throw new UpstreamError("http", `The object '${l.object}' was not found in the bucket '${l.bucket}'`, {
        status: 404,
        code: "ObjectNotFound",
      });
    return o;
  };
  const info = (o: Stored): ObjectInfo => ({
    size: o.bytes.byteLength,
    contentType: o.contentType,
    metadata: { ...o.metadata },
    created: o.created,
  });
  return {
    getNamespace: async () => "testmode",
    async putObject(loc, body, meta) {
      objects.set(key(loc), {
        bytes: body.slice(),
        contentType: meta.contentType,
        metadata: { ...meta.metadata },
        created: Math.floor(Date.now() / 1000),
      });
    },
    headObject: async (loc) => info(find(loc)),
    async getObject(loc) {
      const o = find(loc);
      return { ...info(o), body: new Blob([o.bytes as Uint8Array<ArrayBuffer>]).stream() };
    },
    async deleteObject(loc) {
      find(loc);
      objects.delete(key(loc));
    },
    async listObjects(b: BucketLocation, q) {
      const names = [...objects.keys()]
        .filter((k) => k.startsWith(`${b.bucket}/`))
        .map((k) => k.slice(b.bucket.length + 1))
        .filter((n) => n.startsWith(q.prefix) && (!q.start || n >= q.start))
        .sort();
      const limit = q.limit ?? 1000;
      const page = names.slice(0, limit);
      return {
        objects: page.map((name) => {
          const o = objects.get(`${b.bucket}/${name}`)!;
          return { name, size: o.bytes.byteLength, created: o.created };
        }),
        nextStartWith: names[limit],
      };
    },
    async createReadPar(loc) {
      find(loc);
      // Offline there is no Object Storage to serve it; the URL keeps OCI's shape.
      return `https://objectstorage.${loc.region}.oraclecloud.com/p/testmode-${crypto.randomUUID()}/n/${loc.namespace}/b/${loc.bucket}/o/${encodeURIComponent(loc.object)}`;
    },
  };
}
