import favicon from "swagger-ui-dist/favicon-32x32.png" with { type: "file" };
import pageCss from "swagger-ui-dist/index.css" with { type: "file" };
import css from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
import bundle from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };
import { ASSETS_PATH, docsPage, START_SCRIPT } from "./docs-page";
import { StaticFile } from "./static-file";

/**
 * Swagger UI, carried inside the gateway: `bun build --compile` embeds each file imported
 * `with { type: "file" }` in the executable and the import yields its path there (from source, the
 * path in node_modules). Nothing is read at start-up: the files are read, versioned and the page
 * written on the first request for the docs (docs/api/operations.md#api-reference-ui).
 */
const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

const SOURCES: ReadonlyArray<{ name: string; type: string; read: () => Promise<Uint8Array<ArrayBuffer>> }> = [
  { name: "swagger-ui-bundle.js", type: JS, read: () => Bun.file(bundle).bytes() },
  { name: "swagger-ui.css", type: CSS, read: () => Bun.file(css).bytes() },
  { name: "index.css", type: CSS, read: () => Bun.file(pageCss).bytes() },
  { name: "favicon-32x32.png", type: "image/png", read: () => Bun.file(favicon).bytes() },
  { name: "start.js", type: JS, read: async () => new TextEncoder().encode(START_SCRIPT) },
];

export interface DocsUi {
  page: StaticFile;
  /** By name under ASSETS_PATH. */
  assets: ReadonlyMap<string, StaticFile>;
}

let loaded: Promise<DocsUi> | undefined;

export function docsUi(): Promise<DocsUi> {
  loaded ??= load().catch((e) => {
    loaded = undefined; // a later request may try again
    throw e;
  });
  return loaded;
}

async function load(): Promise<DocsUi> {
  const files = await Promise.all(SOURCES.map(async (s) => [s.name, new StaticFile(await s.read(), s.type)] as const));
  const assets = new Map(files);
  const html = docsPage((name) => {
    const file = assets.get(name);
    if (!file) throw new Error(`the API reference page names an asset that is not embedded: ${name}`);
    return `${ASSETS_PATH}/${name}?v=${file.version}`;
  });
  return { page: new StaticFile(new TextEncoder().encode(html), "text/html; charset=utf-8"), assets };
}
