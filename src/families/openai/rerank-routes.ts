import { Elysia, t } from "elysia";
import { context } from "../../http/context";
import type { Reply } from "../../http/respond";
import { serviceCall } from "../../http/service-call";
import { type RerankOutcome, resolveRerankTarget } from "../../rerank/rerank-service";
import { RerankRequest, type RerankResponse } from "../../rerank/schemas";

const doc = (where: string) => ({
  summary: `Rerank documents against a query (Cohere/Jina shape), ${where}`,
  tags: ["openai"],
});

const reply = (out: RerankOutcome): Reply<RerankResponse> => ({
  kind: "json",
  body: out.body,
  ociRequestId: out.ociRequestId,
});

/**
 * `/v1/rerank` and `/genai/{alias}/v1/rerank` (docs/api/rerank.md), answered in the OpenAI
 * family's error envelope. Resolved like embeddings: the body may name an OCI model, and the
 * instance's `resolve` chooses before `costly` takes the key's quota.
 */
export const rerankRoutes = new Elysia({ name: "family-openai-rerank" })
  .use(context)
  .guard({ family: "openai" })
  .resolve(({ config, call, body, params }) => {
    const path = (params as { alias?: string } | undefined)?.alias;
    const target = resolveRerankTarget(config.current, path, (body as RerankRequest).model, call.key);
    call.alias = target.alias.alias;
    return { target };
  })
  .post(
    "/v1/rerank",
    async ({ rerank, responder, call, set, request, body, target }) =>
      responder.reply(call, set, reply(await rerank.rerank(target, body, serviceCall(call, request)))),
    {
      costly: true,
      body: RerankRequest,

      parse: "json",
      detail: doc("rerank alias in the body's model"),
    },
  )
  .post(
    "/genai/:alias/v1/rerank",
    async ({ rerank, responder, call, set, request, body, target }) =>
      responder.reply(call, set, reply(await rerank.rerank(target, body, serviceCall(call, request)))),
    {
      costly: true,
      body: RerankRequest,

      parse: "json",
      params: t.Object({ alias: t.String() }),
      detail: doc("the body's model (an alias or an OCI rerank model name) or else the path's alias"),
    },
  );
