import { openapi } from "@elysiajs/openapi";
import { VERSION } from "../../version";

/** OpenAPI document at /openapi.json and Swagger UI at /swagger (docs/api/operations.md). */
export const docs = () =>
  openapi({
    path: "/swagger",
    specPath: "/openapi.json",
    provider: "swagger-ui",
    documentation: {
      info: {
        title: "ocigenai",
        version: VERSION,
        description: "OpenAI-compatible gateway for OCI Generative AI models and agents",
      },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer" },
          apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
  });
