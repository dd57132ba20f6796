import { Elysia, t } from "elysia";
import { type EmbeddingOutcome, resolveEmbeddingTarget } from "../../embeddings/embeddings-service";
import { type EmbeddingList, EmbeddingRequest } from "../../embeddings/schemas";
import { context } from "../../http/context";
import type { Reply } from "../../http/respond";
import { serviceCall } from "../../http/service-call";

const doc = (where: string) => ({
  summary: `Embeddings (OpenAI v1), ${where}; more than 96 inputs are sent to OCI in several calls`,
  tags: ["openai"],
});

/** The embeddings answer as a reply: the list, OCI's request ids and the tokens it counted. */
function embeddingsReply(out: EmbeddingOutcome): Reply<EmbeddingList> {
  const u = out.body.usage;
  return {
    kind: "json",
    body: out.body,
    ociRequestId: out.ociRequestId,
    usage: { inputTokens: u.prompt_tokens, outputTokens: 0, totalTokens: u.total_tokens },
  };
}

/**
 * `/v1/embeddings` (alias in the body) and `/genai/{alias}/v1/embeddings` (the body's `model`, an
 * alias or an OCI model name, wins; the path's alias lends region and compartment to an OCI name).
 * The alias is resolved here, not by the `alias` option, because the body may name an OCI model,
 * and before `costly` takes the key's quota (an instance's `resolve` runs before a route option's
 * hooks): a request naming an unknown or forbidden model is refused without spending it.
 */
export const embeddingsRoutes = new Elysia({ name: "family-openai-embeddings" })
  .use(context)
  .guard({ family: "openai" })
  .resolve(({ config, call, body, params }) => {
    const path = (params as { alias?: string } | undefined)?.alias;
    const target = resolveEmbeddingTarget(config.current, path, (body as EmbeddingRequest).model, call.key);
    call.alias = target.alias.alias;
    return { target };
  })
  .post(
    "/v1/embeddings",
    async ({ embeddings, responder, call, set, request, body, target }) =>
      responder.reply(call, set, embeddingsReply(await embeddings.embed(target, body, serviceCall(call, request)))),
    { costly: true, body: EmbeddingRequest, parse: "json", detail: doc("alias in the body's model") },
  )
  .post(
    "/genai/:alias/v1/embeddings",
    async ({ embeddings, responder, call, set, request, body, target }) =>
      responder.reply(call, set, embeddingsReply(await embeddings.embed(target, body, serviceCall(call, request)))),
    {
      costly: true,
      body: EmbeddingRequest,
      parse: "json",
      params: t.Object({ alias: t.String() }),
      detail: doc("the body's model (an alias or an OCI model name) or else the path's alias"),
    },
  );
