import { Elysia } from "elysia";
import type { ConfigStore } from "../config/store";
import { AliasParam } from "../families/openai/schemas";
import type { transport as transportPlugin } from "../http/plugins/transport";
import { requestInfo } from "../http/request-info";
import { lift } from "../http/respond";
import type { OciTransport } from "../oci/transport";
import { createEmbeddings, resolveEmbeddingTarget } from "./embeddings-service";
import { EmbeddingRequest } from "./schemas";

/**
 * `/v1/embeddings` (alias in the body) and `/genai/{alias}/v1/embeddings` (the body's `model`, an
 * alias or an OCI model name, wins; the path's alias lends region and compartment to an OCI name).
 */
export function embeddingsRoutes(store: ConfigStore, oci: ReturnType<typeof transportPlugin>) {
  const embed = async (
    transport: OciTransport,
    pathAlias: string | undefined,
    body: EmbeddingRequest,
    request: Request,
    set: { headers: Record<string, unknown> },
  ) => {
    const info = requestInfo(request);
    const resolved = resolveEmbeddingTarget(store.current, pathAlias, body.model);
    info.alias = resolved.alias.alias;
    const out = await createEmbeddings(transport, {
      resolved,
      request: body,
      requestId: info.id,
      signal: request.signal,
    });
    if (out.ociRequestId) {
      info.ociRequestId = out.ociRequestId;
      set.headers["x-oci-request-id"] = out.ociRequestId;
    }
    info.tokens = { prompt: out.body.usage.prompt_tokens, completion: 0 };
    return out.body;
  };
  const doc = (where: string) => ({
    summary: `Embeddings (OpenAI v1), ${where}; more than 96 inputs are sent to OCI in several calls`,
    tags: ["openai"],
  });

  return new Elysia({ name: "routes-embeddings" })
    .use(oci)
    .post(
      "/v1/embeddings",
      ({ body, request, set, server, transport }) => {
        lift(server, request);
        return embed(transport, undefined, body, request, set);
      },
      { body: EmbeddingRequest, parse: "json", detail: doc("alias in the body's model") },
    )
    .post(
      "/genai/:alias/v1/embeddings",
      ({ body, params, request, set, server, transport }) => {
        lift(server, request);
        return embed(transport, params.alias, body, request, set);
      },
      {
        body: EmbeddingRequest,
        parse: "json",
        params: AliasParam,
        detail: doc("the body's model (an alias or an OCI model name) or else the path's alias"),
      },
    );
}
