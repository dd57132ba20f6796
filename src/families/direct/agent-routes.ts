import { Elysia, t } from "elysia";
import { findAlias } from "../../config/find-alias";
import type { ConfigStore } from "../../config/store";
import type { ModelAlias } from "../../config/types";
import { ApiError, badRequest } from "../../errors/api-error";
import { ownerOf } from "../../http/caller";
import type { sessions as sessionsPlugin } from "../../http/plugins/sessions";
import type { transport as transportPlugin } from "../../http/plugins/transport";
import { requestInfo } from "../../http/request-info";
import { lift, respond, type StreamContext } from "../../http/respond";
import { type DirectChatMode, runDirectAgentChat } from "./agent-chat";

const AliasParams = t.Object({ alias: t.String() });
const Key = t.String({ minLength: 1, maxLength: 256 });

const ChatBody = t.Object({
  channel: t.Optional(Key),
  cuid: t.Optional(Key),
  sessionId: t.Optional(t.String({ minLength: 1, maxLength: 512 })),
  userMessage: t.String({ minLength: 1 }),
  stream: t.Optional(t.Boolean()),
});

/** The seed's wording for a model alias on an agent route. */
function agentAlias(store: ConfigStore, name: string): ModelAlias {
  const alias = findAlias(store.current, name);
  if (alias.type !== "agent") {
    throw new ApiError(400, `Model '${name}' is not an agent. Use type='agent' in llm_models.json.`, {
      type: "invalid_request_error",
      code: "wrong_alias_type",
    });
  }
  return alias;
}

/**
 * The seed's agent routes (errors as `{"error": "..."}`): sessions opened by `channel`+`cuid`,
 * closed by id, and `/chat` in automatic or manual mode, streamed or not.
 */
export function agentRoutes(
  store: ConfigStore,
  oci: ReturnType<typeof transportPlugin>,
  agentSessions: ReturnType<typeof sessionsPlugin>,
  opts: StreamContext,
) {
  return new Elysia({ name: "routes-agents" })
    .use(oci)
    .use(agentSessions)
    .post(
      "/genai/:alias/session",
      async ({ body, params, request, sessions }) => {
        const alias = agentAlias(store, params.alias);
        requestInfo(request).alias = alias.alias;
        const opened = await sessions.open(
          { alias, owner: ownerOf(request), channel: body.channel, cuid: body.cuid },
          { signal: request.signal, requestId: requestInfo(request).id },
        );
        return {
          ...opened.session,
          id: String(opened.session.id),
          sessionKey: `${body.channel}:${body.cuid}`,
          reused: opened.reused,
        };
      },
      {
        params: AliasParams,
        body: t.Object({ channel: Key, cuid: Key }),
        parse: "json",
        detail: { summary: "Open (or reuse) the agent session for channel+cuid", tags: ["agents"] },
      },
    )
    .delete(
      "/genai/:alias/session/:sessionId",
      async ({ params, request, sessions, set }) => {
        const alias = agentAlias(store, params.alias);
        requestInfo(request).alias = alias.alias;
        await sessions.close(alias, ownerOf(request), params.sessionId, {
          signal: request.signal,
          requestId: requestInfo(request).id,
        });
        set.status = 204;
        return undefined;
      },
      {
        params: t.Object({ alias: t.String(), sessionId: t.String() }),
        detail: { summary: "End an agent session and forget every key mapped to it", tags: ["agents"] },
      },
    )
    .post(
      "/genai/:alias/chat",
      async ({ body, params, request, set, server, sessions, transport }) => {
        lift(server, request);
        const alias = agentAlias(store, params.alias);
        requestInfo(request).alias = alias.alias;
        const mode: DirectChatMode = body.sessionId
          ? { mode: "manual", sessionId: body.sessionId }
          : body.channel && body.cuid
            ? { mode: "auto", channel: body.channel, cuid: body.cuid }
            : (() => {
                throw badRequest(
                  "Provide 'channel' and 'cuid' (automatic mode) or 'sessionId' (manual mode)",
                  body.channel ? "cuid" : "channel",
                );
              })();
        const outcome = await runDirectAgentChat(transport, sessions, {
          alias,
          owner: ownerOf(request),
          mode,
          userMessage: body.userMessage,
          stream: body.stream === true,
          requestId: requestInfo(request).id,
          signal: request.signal,
        });
        return respond(outcome, request, set, { ...opts, family: "direct" });
      },
      {
        params: AliasParams,
        body: ChatBody,
        parse: "json",
        detail: {
          summary:
            "Chat with an agent: automatic (channel+cuid) or manual (sessionId) sessions; `stream: true` for SSE",
          tags: ["agents"],
        },
      },
    );
}
