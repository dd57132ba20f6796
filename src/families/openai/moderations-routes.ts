import { Elysia } from "elysia";
import { context } from "../../http/context";
import { serviceCall } from "../../http/service-call";
import { ModerationRequest } from "../../moderation/schemas";

/** `/v1/moderations` over OCI's guardrails (docs/api/moderations.md). */
export const moderationsRoutes = new Elysia({ name: "family-openai-moderations" })
  .use(context)
  .guard({ family: "openai" })
  .post(
    "/v1/moderations",
    async ({ moderation, config, responder, call, set, request, body }) => {
      const out = await moderation.moderate(config.current, body, serviceCall(call, request));
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
