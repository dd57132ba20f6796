import { Elysia } from "elysia";
import { context } from "../../http/context";
import { ignoredToolsHeader } from "../../http/ignored-tools";
import { countTokens, createMessage } from "./create-message";
import { CountTokensRequest, MessagesRequest } from "./schemas";

const tags = ["anthropic"];

/**
 * The Anthropic Messages API (docs/api/anthropic.md): create, streamed or not, for every model
 * format and agent aliases, and count_tokens (an estimate). Under `/v1` and `/genai/{alias}/v1`
 * (the path's alias wins there). Errors answer in Anthropic's envelope; `x-api-key` or a Bearer
 * token authenticates; `anthropic-version`, `anthropic-beta` and `?beta=true` are accepted.
 */
export const anthropicRoutes = new Elysia({ name: "family-anthropic" }).use(context).guard({ family: "anthropic" });

for (const [base, from] of [
  ["/v1/messages", "body"],
  ["/genai/:alias/v1/messages", "path"],
] as const) {
  anthropicRoutes
    .post(
      base,
      async ({ chat, settings, responder, log, call, set, request, body, alias }) => {
        const r = await createMessage({ chat, strictTools: settings.strictTools }, { alias, body, call, request });
        if (r.ignoredTools.length) {
          set.headers["x-ocigenai-ignored-tools"] = ignoredToolsHeader(r.ignoredTools);
          log.warn("server tools not offered to the model", { requestId: call.id, tools: r.ignoredTools });
        }
        return responder.reply(call, set, r.reply);
      },
      {
        alias: from,
        costly: true,
        body: MessagesRequest,
        parse: "json",
        detail: {
          summary: "Create a message (Anthropic Messages API) over OCI chat or an agent; `stream: true` answers SSE",
          tags,
        },
      },
    )
    .post(
      `${base}/count_tokens`,
      ({ chat, settings, body, alias }) => countTokens({ chat, strictTools: settings.strictTools }, alias, body),
      {
        alias: from,
        body: CountTokensRequest,
        parse: "json",
        detail: {
          summary:
            "Estimate the input tokens of a Messages request (about 4 characters per token; OCI has no tokenizer)",
          tags,
        },
      },
    );
}
