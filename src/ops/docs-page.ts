/**
 * The API reference page and the script that starts Swagger UI on it. Every URL is absolute
 * (`/docs/assets/…`, `/openapi.json`), so the page works the same at /docs, /docs/, /swagger and
 * /swagger/. The start-up script is a file of its own rather than inline, so the page's
 * Content-Security-Policy can forbid inline scripts.
 */

/** Where the page's assets are served (src/ops/docs-routes.ts). */
export const ASSETS_PATH = "/docs/assets";

/**
 * `validatorUrl: null`: Swagger UI would otherwise show a badge fetched from the validator's public
 * site, the one thing the page would load from the internet. `queryConfigEnabled` stays off (its
 * default), so a link cannot point the page at another document.
 */
export const START_SCRIPT = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
});
`;

/**
 * What the page may load: its own origin only. Styles may be inline because Swagger UI sets some
 * on its elements; images may be data: URLs because its stylesheet draws its icons that way.
 * Requests ("Try it out") go to this gateway only, and no other site may frame the page.
 */
export const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The page, given the URL of each asset by its name (the URLs carry the assets' versions). */
export function docsPage(asset: (name: string) => string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>ocigenai API reference</title>
  <link rel="icon" type="image/png" href="${asset("favicon-32x32.png")}" />
  <link rel="stylesheet" href="${asset("swagger-ui.css")}" />
  <link rel="stylesheet" href="${asset("index.css")}" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${asset("swagger-ui-bundle.js")}"></script>
  <script src="${asset("start.js")}"></script>
</body>
</html>
`;
}
