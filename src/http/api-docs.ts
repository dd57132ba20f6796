import { toOpenAPISchema } from "@elysiajs/openapi";
import type { AnyElysia } from "elysia";
import { VERSION } from "../version";

/**
 * The OpenAPI document of the whole app, built from the routes' own schemas and details the first
 * time it is asked for (the routes do not change while the process runs).
 */
export class ApiDocs {
  private document?: Record<string, unknown>;

  constructor(private readonly app: () => AnyElysia) {}

  openapi(): Record<string, unknown> {
    if (this.document) return this.document;
    const { paths, components } = toOpenAPISchema(this.app());
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
