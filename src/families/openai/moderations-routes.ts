import { Elysia } from "elysia";
import { context } from "../../http/context";
import { ModerationRequest } from "../../moderation/schemas";

/** `/v1/moderations` over OCI's guardrails (docs/api/moderations.md). */
export const moderationsRoutes = new Elysia({ name: "family-openai-moderations" })
  .use(context)
  .guard({ family: "openai" })
  .post(
    "/v1/moderations",
    async ({ moderation, config, responder, call, set, request, body }) => {
      const out = await moderation.moderate(config.current, body, {
        requestId: call.id,
        signal: request.signal,
        key: call.key,
        onAlias: (alias) => {
          call.alias = alias;
        },
      });
      return responder.reply(call, set, { kind: "json", body: out.body, ociRequestId: out.ociRequestId });
    },
    {
      costly: true,
      body: ModerationRequest,
      parse: "json",
      detail: {
        summary: "Classify texts (and images) with OCI's guardrails: content moderation, prompt injection, PII",
        tags: ["openai"],
      },
    },
  );
