/**
 * The Swagger UI files that src/ops/docs-assets.ts imports `with { type: "file" }`: Bun gives such
 * an import as a path (inside the compiled binary, a path in its embedded file system) instead of
 * running or inlining the file, so its bytes are read only when /docs is first asked for.
 */
declare module "swagger-ui-dist/swagger-ui-bundle.js" {
  const path: string;
  export default path;
}
declare module "swagger-ui-dist/swagger-ui.css" {
  const path: string;
  export default path;
}
declare module "swagger-ui-dist/index.css" {
  const path: string;
  export default path;
}
declare module "swagger-ui-dist/favicon-32x32.png" {
  const path: string;
  export default path;
}
