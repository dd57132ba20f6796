import { Elysia, t } from "elysia";
import { findAlias } from "../../config/find-alias";
import type { KeyIdentity } from "../../config/key-ring";
import type { LoadedConfig } from "../../config/load";
import { context } from "../../http/context";
import type { RequestState } from "../../http/request-state";

/**
 * The region of a files call: the path alias's (one the caller's key may use), else the
 * credentials', else the first alias's.
 */
export function filesRegion(config: LoadedConfig, alias: string | undefined, key?: KeyIdentity): string {
  if (alias !== undefined) return findAlias(config, alias, key).region;
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
const tags = ["files"];

const opts = (call: RequestState, request: Request) => ({ signal: request.signal, requestId: call.id });
const aliasOf = (params: object | undefined) => (params as { alias?: string } | undefined)?.alias;
/** The region of the path's alias (or the default one), for the caller's own files. */
const scope = (config: LoadedConfig, call: RequestState, params: object | undefined) => ({
  region: filesRegion(config, aliasOf(params), call.key),
  owner: call.owner,
});

/**
 * OpenAI's files API over Object Storage (docs/api/openai.md#files), under `/v1/files` and
 * `/genai/{alias}/v1/files`; `files.create` in the OpenAI SDKs sends exactly this multipart form.
 */
export const filesRoutes = new Elysia({ name: "family-openai-files" }).use(context).guard({ family: "openai" });

for (const base of ["/v1/files", "/genai/:alias/v1/files"] as const) {
  const idParams = base === "/v1/files" ? FileId : AliasFileId;
  filesRoutes
    .post(
      base,
      ({ files, config, call, request, params, body }) =>
        files.upload(scope(config.current, call, params), body.file, body.purpose, opts(call, request)),
      {
        slow: true,
        body: Upload,
        parse: "formdata",
        detail: { summary: "Upload a file (multipart `file` + `purpose`) to the Object Storage bucket", tags },
      },
    )
    .get(
      base,
      ({ files, config, call, request, params, query }) =>
        files.list(scope(config.current, call, params), opts(call, request), query.purpose),
      { query: t.Object({ purpose: t.Optional(t.String()) }), detail: { summary: "List uploaded files", tags } },
    )
    .get(
      `${base}/:id`,
      ({ files, config, call, request, params }) =>
        files.retrieve(scope(config.current, call, params), params.id, opts(call, request)),
      { params: idParams, detail: { summary: "Describe one file", tags } },
    )
    .get(
      `${base}/:id/content`,
      async ({ files, config, call, request, params }) => {
        const c = await files.content(scope(config.current, call, params), params.id, opts(call, request));
        return new Response(c.body, {
          headers: {
            "content-type": c.contentType,
            "content-length": String(c.size),
            "content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(c.filename)}`,
            // The type is the uploader's word: a browser must not take an "image" for a page.
            "x-content-type-options": "nosniff",
            "x-request-id": call.id,
          },
        });
      },
      {
        slow: true,
        params: idParams,
        detail: { summary: "The file's bytes, with the content type stored at upload", tags },
      },
    )
    .delete(
      `${base}/:id`,
      ({ files, config, call, request, params }) =>
        files.delete(scope(config.current, call, params), params.id, opts(call, request)),
      { params: idParams, detail: { summary: "Delete a file", tags } },
    );
}
