import { LOCAL_OWNER } from "../config/types";
import { ApiError, badRequest, payloadTooLarge } from "../errors/api-error";
import { UpstreamError } from "../errors/upstream-error";
import type { CallOptions, ObjectLocation, OciTransport } from "../oci/transport";
import { decodeFileId, encodeFileId } from "./file-id";
import { type FileObject, fileObject } from "./file-object";
import { describeObjectName, isValidPurpose, objectNameFor, ownsObject } from "./object-name";
import { sniffType } from "./sniff-type";

export interface FilesConfig {
  /** Undefined outside TEST_MODE means the feature is off (503). */
  bucket?: string;
  prefix: string;
  maxUploadBytes: number;
  parTtlMs: number;
}

/** Where a files call acts: the alias's region, on behalf of one API-key namespace. */
export interface FileScope {
  region: string;
  owner: string;
}

const LIST_PAGE = 1000;

/**
 * Files kept in an OCI Object Storage bucket. Ids encode the object name (see file-id.ts), so
 * this holds no index: every operation maps to Object Storage calls. A file belongs to the API
 * key that uploaded it (its namespace is part of the object name): another key sees 404 and
 * lists only its own. The namespace is read once per region and cached.
 */
export class FilesService {
  private readonly namespaces = new Map<string, Promise<string>>();

  constructor(
    private readonly transport: OciTransport,
    private readonly cfg: FilesConfig,
  ) {}

  async upload(scope: FileScope, file: File, purpose: string, opts: CallOptions): Promise<FileObject> {
    const bucket = this.bucket();
    if (!isValidPurpose(purpose))
      throw badRequest("'purpose' must be a short word such as 'vision', 'assistants' or 'user_data'", "purpose");
    if (file.size > this.cfg.maxUploadBytes) throw payloadTooLarge(this.cfg.maxUploadBytes);
    if (file.size === 0) throw badRequest("The uploaded file is empty", "file");
    const name = objectNameFor(this.cfg.prefix, scope.owner, purpose, file.name);
    const loc = { region: scope.region, namespace: await this.namespace(scope.region, opts), bucket, object: name };
    const bytes = new Uint8Array(await file.arrayBuffer());
    // What the bytes are wins over what the parser guessed from the name (sniff-type.ts).
    const guessed = file.type ? file.type.split(";")[0]!.trim() : "";
    const sniffed = sniffType(bytes);
    const named = guessed !== "" && guessed !== "application/octet-stream";
    const contentType = sniffed && (sniffed.strong || !named) ? sniffed.type : guessed || "application/octet-stream";
    await this.transport.putObject(loc, bytes, { contentType, metadata: { purpose } }, opts);
    const url = await this.transport.createReadPar(loc, new Date(Date.now() + this.cfg.parTtlMs), opts);
    const { filename } = describeObjectName(this.cfg.prefix, name);
    return { ...fileObject(encodeFileId(name), file.size, Math.floor(Date.now() / 1000), filename, purpose), url };
  }

  /** The caller's own files (under its namespace's prefix; legacy ones too for the local caller). */
  async list(
    scope: FileScope,
    opts: CallOptions,
    purpose?: string,
  ): Promise<{ object: "list"; data: FileObject[]; has_more: false }> {
    const bucket = this.bucket();
    const b = { region: scope.region, namespace: await this.namespace(scope.region, opts), bucket };
    const prefix = scope.owner === LOCAL_OWNER ? this.cfg.prefix : `${this.cfg.prefix}${scope.owner}/`;
    const data: FileObject[] = [];
    let start: string | undefined;
    do {
      const page = await this.transport.listObjects(b, { prefix, start, limit: LIST_PAGE }, opts);
      for (const o of page.objects) {
        if (decodeFileId(encodeFileId(o.name), this.cfg.prefix) === undefined) continue;
        if (!ownsObject(this.cfg.prefix, o.name, scope.owner, LOCAL_OWNER)) continue;
        const d = describeObjectName(this.cfg.prefix, o.name);
        if (purpose && d.purpose !== purpose) continue;
        data.push(fileObject(encodeFileId(o.name), o.size, o.created, d.filename, d.purpose));
      }
      start = page.nextStartWith;
    } while (start);
    return { object: "list", data, has_more: false };
  }

  async retrieve(scope: FileScope, id: string, opts: CallOptions): Promise<FileObject> {
    const loc = await this.locate(scope, id, opts);
    const info = await this.orNotFound(id, () => this.transport.headObject(loc, opts));
    const d = describeObjectName(this.cfg.prefix, loc.object);
    return fileObject(id, info.size, info.created, d.filename, info.metadata.purpose ?? d.purpose);
  }

  async content(
    scope: FileScope,
    id: string,
    opts: CallOptions,
  ): Promise<{ body: ReadableStream<Uint8Array>; contentType: string; size: number; filename: string }> {
    const loc = await this.locate(scope, id, opts);
    const o = await this.orNotFound(id, () => this.transport.getObject(loc, opts));
    return {
      body: o.body,
      contentType: o.contentType,
      size: o.size,
      filename: describeObjectName(this.cfg.prefix, loc.object).filename,
    };
  }

  async delete(
    scope: FileScope,
    id: string,
    opts: CallOptions,
  ): Promise<{ id: string; object: "file"; deleted: true }> {
    const loc = await this.locate(scope, id, opts);
    await this.orNotFound(id, () => this.transport.deleteObject(loc, opts));
    return { id, object: "file", deleted: true };
  }

  /**
   * The bytes of a file referenced from a chat message, with its stored MIME type. A file larger
   * than `maxBytes` is refused (`tooLarge`) from its size alone, before its body is read.
   */
  async bytes(
    scope: FileScope,
    id: string,
    opts: CallOptions,
    limit: { maxBytes: number; tooLarge(): Error },
  ): Promise<{ bytes: Uint8Array; contentType: string }> {
    const o = await this.content(scope, id, opts);
    if (o.size > limit.maxBytes) {
      await o.body.cancel().catch(() => {});
      throw limit.tooLarge();
    }
    return { bytes: new Uint8Array(await new Response(o.body).arrayBuffer()), contentType: o.contentType };
  }

  private async locate(scope: FileScope, id: string, opts: CallOptions): Promise<ObjectLocation> {
    const bucket = this.bucket();
    const object = decodeFileId(id, this.cfg.prefix);
    if (!object || !ownsObject(this.cfg.prefix, object, scope.owner, LOCAL_OWNER)) throw fileNotFound(id);
    return { region: scope.region, namespace: await this.namespace(scope.region, opts), bucket, object };
  }

  private bucket(): string {
    if (!this.cfg.bucket) {
      throw new ApiError(
        503,
        "Files are not configured: set GENAI_BUCKET to the Object Storage bucket that keeps uploads",
        { type: "service_unavailable", code: "files_not_configured" },
      );
    }
    return this.cfg.bucket;
  }

  private namespace(region: string, opts: CallOptions): Promise<string> {
    let ns = this.namespaces.get(region);
    if (!ns) {
      ns = this.transport.getNamespace(region, opts);
      this.namespaces.set(region, ns);
      ns.catch(() => this.namespaces.delete(region));
    }
    return ns;
  }

  private async orNotFound<T>(id: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof UpstreamError && e.init.status === 404) throw fileNotFound(id);
      throw e;
    }
  }
}

export function fileNotFound(id: string): ApiError {
  return new ApiError(404, `No such file: '${id}'`, {
    type: "invalid_request_error",
    param: "file_id",
    code: "file_not_found",
  });
}
