import { Elysia } from "elysia";
import { ApiError } from "../errors/api-error";
import { context } from "../http/context";
import { docsUi } from "./docs-assets";
import { ASSETS_PATH, PAGE_POLICY } from "./docs-page";

/** Asset URLs carry their content's version (`?v=`), so a browser may keep them for good. */
const FOR_GOOD = "public, max-age=31536000, immutable";

const page = async ({ request }: { request: Request }) =>
  (await docsUi()).page.respond(request, {
    // Revalidated on every visit: a new gateway version points at new asset versions.
    "cache-control": "no-cache",
    "content-security-policy": PAGE_POLICY,
  });

/**
 * `/openapi.json` (every route of every family, from the routes' own schemas) and the API reference
 * UI at `/docs` (also `/swagger`), with its assets under `/docs/assets/`, all served from inside the
 * gateway (docs/api/operations.md#api-reference-ui). They hold no secrets: open unless
 * DOCS_PUBLIC=false. A trailing slash is ignored on every route, so `/docs/` is `/docs`.
 */
export const docsRoutes = new Elysia({ name: "routes-docs", detail: { tags: ["operations"] } })
  .use(context)
  .guard({ family: "direct", open: "public-docs" })
  .get("/openapi.json", ({ apiDocs, settings }) => apiDocs.openapi(settings), {
    detail: {
      summary: "This OpenAPI document (no API key needed unless DOCS_PUBLIC=false)",
      responses: { 200: { description: "OpenAPI 3.1 document", content: { "application/json": {} } } },
    },
  })
  .get("/docs", page, {
    detail: {
      summary:
        "API reference UI (Swagger UI, served from the gateway itself; no API key needed unless DOCS_PUBLIC=false)",
      responses: { 200: { description: "HTML page", content: { "text/html": {} } } },
    },
  })
  .get("/swagger", page, { detail: { hide: true } })
  .get(
    `${ASSETS_PATH}/:name`,
    async ({ params, query, request }) => {
      const file = (await docsUi()).assets.get(params.name);
      if (!file) {
        throw new ApiError(404, `No such asset of the API reference UI: '${params.name.slice(0, 100)}'`, {
          type: "not_found_error",
          code: "not_found",
        });
      }
      return file.respond(request, { "cache-control": query.v === file.version ? FOR_GOOD : "no-cache" });
    },
    { detail: { hide: true } },
  );
