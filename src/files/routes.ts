import { Elysia, t } from "elysia";
import { findAlias } from "../config/find-alias";
import type { LoadedConfig } from "../config/load";
import type { ConfigStore } from "../config/store";
import { requestInfo } from "../http/request-info";
import type { FilesService } from "./files-service";

/** The region of a files call: the path alias's, else the credentials', else the first alias's. */
export function filesRegion(config: LoadedConfig, alias: string | undefined): string {
  if (alias !== undefined) return findAlias(config, alias).region;
  return (
    config.credentials?.region ??
    process.env.OCI_REGION ??
    config.aliases.values().next().value?.region ??
    "us-chicago-1"
  );
}

const FileId = t.Object({ id: t.String() });
const AliasFileId = t.Object({ alias: t.String(), id: t.String() });
const Upload = t.Object({ file: t.File(), purpose: t.String({ minLength: 1 }) });

/**
 * OpenAI's files API over Object Storage (CONTRACT §7), under `/v1/files` and
 * `/genai/{alias}/v1/files`; `files.create` in the OpenAI SDKs sends exactly this multipart form.
 */
export function filesRoutes(store: ConfigStore, files: FilesService) {
  const call = (request: Request) => ({ signal: request.signal, requestId: requestInfo(request).id });
  const tags = ["files"];
  const app = new Elysia({ name: "routes-files" });
  for (const base of ["/v1/files", "/genai/:alias/v1/files"] as const) {
    const region = (params: object | undefined) =>
      filesRegion(store.current, (params as { alias?: string } | undefined)?.alias);
    app
      .post(base, ({ body, params, request }) => files.upload(region(params), body.file, body.purpose, call(request)), {
        body: Upload,
        parse: "formdata",
        detail: { summary: "Upload a file (multipart `file` + `purpose`) to the Object Storage bucket", tags },
      })
      .get(base, ({ params, query, request }) => files.list(region(params), call(request), query.purpose), {
        query: t.Object({ purpose: t.Optional(t.String()) }),
        detail: { summary: "List uploaded files", tags },
      })
      .get(`${base}/:id`, ({ params, request }) => files.retrieve(region(params), params.id, call(request)), {
        params: base === "/v1/files" ? FileId : AliasFileId,
        detail: { summary: "Describe one file", tags },
      })
      .get(
        `${base}/:id/content`,
        async ({ params, request }) => {
          const c = await files.content(region(params), params.id, call(request));
          return new Response(c.body, {
            headers: {
              "content-type": c.contentType,
              "content-length": String(c.size),
              "content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(c.filename)}`,
              "x-request-id": requestInfo(request).id,
            },
          });
        },
        {
          params: base === "/v1/files" ? FileId : AliasFileId,
          detail: { summary: "The file's bytes, with the content type stored at upload", tags },
        },
      )
      .delete(`${base}/:id`, ({ params, request }) => files.delete(region(params), params.id, call(request)), {
        params: base === "/v1/files" ? FileId : AliasFileId,
        detail: { summary: "Delete a file", tags },
      });
  }
  return app;
}
