import { toOpenAPISchema } from "@elysiajs/openapi";
import type { AnyElysia } from "elysia";
import { VERSION } from "../version";
import { META, type Openness } from "./route-table";

/** Which `open` declarations the operator made public (DOCS_PUBLIC, METRICS_PUBLIC). */
export interface PublicRoutes {
  docsPublic: boolean;
  metricsPublic: boolean;
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

/**
 * The OpenAPI document of the whole app, built from the routes' own schemas and details the first
 * time it is asked for (the routes and the settings do not change while the process runs). Every
 * route is in it unless it hides itself (`detail.hide`); test/routes/openapi-coverage.test.ts holds
 * that against `app.routes`, so a route added later is documented without anyone listing it.
 */
export class ApiDocs {
  private document?: Record<string, unknown>;

  constructor(private readonly app: () => AnyElysia) {}

  openapi(open: PublicRoutes): Record<string, unknown> {
    if (this.document) return this.document;
    // staticFile: false, or every path with a dot in it (`/openapi.json`) would be left out as a file.
    const { paths, components } = toOpenAPISchema(this.app(), { staticFile: false });
    markKeylessOperations(paths as Record<string, Record<string, Record<string, unknown>>>, open);
    this.document = {
      openapi: "3.1.0",
      info: {
        title: "ocigenai",
        version: VERSION,
        description: "OpenAI-compatible gateway for OCI Generative AI models and agents",
      },
      paths,
      components: {
        ...components,
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer" },
          apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    };
    return this.document;
  }
}

/**
 * The document asks for a key everywhere (top-level `security`); an operation that this gateway
 * serves without one says so with an empty `security`, so Swagger UI and generated clients send
 * no key there. The route's own `open` declaration decides, as it does for the auth plugin.
 */
function markKeylessOperations(paths: Record<string, Record<string, Record<string, unknown>>>, o: PublicRoutes): void {
  for (const item of Object.values(paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op && isKeyless(op[META.open] as Openness | undefined, o)) op.security = [];
    }
  }
}

function isKeyless(open: Openness | undefined, o: PublicRoutes): boolean {
  return (
    open === "always" || (open === "public-docs" && o.docsPublic) || (open === "public-metrics" && o.metricsPublic)
  );
}
