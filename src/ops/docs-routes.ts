import { Elysia } from "elysia";
import { context } from "../http/context";

/** Swagger UI over /openapi.json. */
const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>ocigenai API</title>
  <link rel="stylesheet" href="https://unpkg.com/swagger-ui-dist@5/swagger-ui.css" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="https://unpkg.com/swagger-ui-dist@5/swagger-ui-bundle.js" crossorigin></script>
  <script>window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui" });</script>
</body>
</html>`;

/**
 * `/openapi.json` (every route of every family, from the routes' own schemas) and the API
 * reference page at `/swagger`. They hold no secrets: open unless DOCS_PUBLIC=false.
 */
export const docsRoutes = new Elysia({ name: "routes-docs" })
  .use(context)
  .guard({ family: "direct", open: "public-docs" })
  .get("/openapi.json", ({ apiDocs }) => apiDocs.openapi(), { detail: { hide: true } })
  .get("/swagger", () => new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } }), {
    detail: { hide: true },
  });
