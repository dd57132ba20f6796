import { Elysia, t } from "elysia";
import type { Conversation } from "../../chat/types";
import type { ModelAlias } from "../../config/types";
import { ApiError, badRequest } from "../../errors/api-error";
import { context } from "../../http/context";
import { agentChatReply } from "./agent-chat";
import { InferenceRequest, inferenceReply, inferenceToChatRequest } from "./inference";

const AliasParams = t.Object({ alias: t.String() });
const Key = t.String({ minLength: 1, maxLength: 256 });
/** OCI ids are letters, digits, dots, dashes and underscores; `..` or a slash could escape the OCI path. */
const SessionId = t.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,511}$", error: "must be an OCI session id" });
const ChatBody = t.Object({
  channel: t.Optional(Key),
  cuid: t.Optional(Key),
  sessionId: t.Optional(SessionId),
  userMessage: t.String({ minLength: 1 }),
  stream: t.Optional(t.Boolean()),
});
const tags = ["direct"];

/** The seed's wording for an alias of the wrong kind on its routes. */
function mustBe(kind: "agent" | "model", alias: ModelAlias): ModelAlias {
  if (alias.type === kind || (kind === "model" && alias.type === "pool")) return alias;
  const message =
    kind === "agent"
      ? `Model '${alias.alias}' is not an agent. Use type='agent' in llm_models.json.`
      : `Model '${alias.alias}' is an agent, not a model. Use /genai/${alias.alias}/chat, or type='model' in llm_models.json.`;
  throw new ApiError(400, message, { type: "invalid_request_error", code: "wrong_alias_type" });
}

/** `/chat`'s two modes: `channel`+`cuid` (sessions managed here) or the client's `sessionId`. */
function conversationOf(body: { channel?: string; cuid?: string; sessionId?: string }): Conversation {
  if (body.sessionId) return { kind: "manual", sessionId: body.sessionId };
  if (body.channel && body.cuid) return { kind: "auto", channel: body.channel, cuid: body.cuid };
  throw badRequest(
    "Provide 'channel' and 'cuid' (automatic mode) or 'sessionId' (manual mode)",
    body.channel ? "cuid" : "channel",
  );
}

/**
 * The direct family: the routes of the seed (the original Flask proxy whose README and shapes
 * this gateway keeps compatible; docs/README.md#glossary), answered in its shapes with errors as
 * `{"error": "..."}`. `/inference` runs one prompt through a model; `/session` and `/chat` talk to
 * an agent, in automatic mode (sessions managed for `channel:cuid`) or manual mode (`sessionId`).
 */
export const directRoutes = new Elysia({ name: "family-direct" })
  .use(context)
  .guard({ family: "direct" })
  .post(
    "/genai/:alias/inference",
    async ({ chat, responder, call, set, request, body, alias }) => {
      const out = await chat.run({
        alias: mustBe("model", alias),
        request: inferenceToChatRequest(body),
        requestId: call.id,
        signal: request.signal,
        owner: call.owner,
        trace: call,
      });
      return responder.reply(call, set, inferenceReply(out));
    },
    {
      alias: "path",
      costly: true,
      params: AliasParams,
      body: InferenceRequest,
      parse: "json",
      detail: { summary: "Direct inference with a prompt (seed shape); `stream: true` answers SSE", tags },
    },
  )
  .post(
    "/genai/:alias/session",
    async ({ sessions, call, request, body, alias }) => {
      const opened = await sessions.open(
        { alias: mustBe("agent", alias), owner: call.owner, channel: body.channel, cuid: body.cuid },
        { signal: request.signal, requestId: call.id },
      );
      return {
        ...opened.session,
        id: String(opened.session.id),
        sessionKey: `${body.channel}:${body.cuid}`,
        reused: opened.reused,
      };
    },
    {
      alias: "path",
      // It makes an OCI agent session (or asks OCI about one): a call like the others, counted.
      costly: true,
      params: AliasParams,
      body: t.Object({ channel: Key, cuid: Key }),
      parse: "json",
      detail: { summary: "Open (or reuse) the agent session for channel+cuid", tags },
    },
  )
  .delete(
    "/genai/:alias/session/:sessionId",
    async ({ sessions, call, request, params, set, alias }) => {
      await sessions.close(mustBe("agent", alias), call.owner, params.sessionId, {
        signal: request.signal,
        requestId: call.id,
      });
      set.status = 204;
      return undefined;
    },
    {
      alias: "path",
      params: t.Object({ alias: t.String(), sessionId: SessionId }),
      detail: { summary: "End an agent session and forget every key mapped to it", tags },
    },
  )
  .post(
    "/genai/:alias/chat",
    async ({ chat, responder, call, set, request, body, alias }) => {
      const out = await chat.run({
        alias: mustBe("agent", alias),
        request: { messages: [{ role: "user", content: body.userMessage }], stream: body.stream === true },
        requestId: call.id,
        signal: request.signal,
        owner: call.owner,
        trace: call,
        conversation: conversationOf(body),
      });
      return responder.reply(call, set, agentChatReply(out));
    },
    {
      alias: "path",
      costly: true,
      params: AliasParams,
      body: ChatBody,
      parse: "json",
      detail: {
        summary: "Chat with an agent: automatic (channel+cuid) or manual (sessionId) sessions; `stream: true` for SSE",
        tags,
      },
    },
  );
