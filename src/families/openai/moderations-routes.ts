import { Elysia } from "elysia";
import { context } from "../../http/context";
import { serviceCall } from "../../http/service-call";
import { moderationAlias } from "../../moderation/moderation-service";
import { ModerationRequest } from "../../moderation/schemas";

/**
 * `/v1/moderations` over OCI's guardrails (docs/api/moderations.md). The moderation alias is
 * chosen in the instance's `resolve`, which runs before `costly` takes the key's quota.
 */
export const moderationsRoutes = new Elysia({ name: "family-openai-moderations" })
  .use(context)
  .guard({ family: "openai" })
  .resolve(({ config, call, body }) => {
    const alias = moderationAlias(config.current, (body as ModerationRequest).model, call.key);
    call.alias = alias.alias;
    return { alias };
  })
  .post(
    "/v1/moderations",
    async ({ moderation, responder, call, set, request, body, alias }) => {
      const out = await moderation.moderate(alias, body, serviceCall(call, request));
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
