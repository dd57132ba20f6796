import { type DocumentDecoration, Elysia, type TSchema, t } from "elysia";
import type { ChatService } from "../../chat/chat-service";
import { findAlias } from "../../config/find-alias";
import type { ModelAlias } from "../../config/types";
import type { ConcurrencyLimiter } from "../../http/concurrency-limiter";
import { context, type Services } from "../../http/context";
import type { RequestState } from "../../http/request-state";
import { withoutNulls } from "../../lib/without-nulls";
import { chatCompletionReply, newCompletionMeta } from "./chat-completion";
import { openAiConversation } from "./conversation";
import { ModelList, ModelObjectSchema, modelObject } from "./model-object";
import { refuseUnservable } from "./refuse-unsupported";
import { ChatCompletionRequest, CompletionRequest } from "./schemas";
import { countPrompts, createTextCompletion, PROMPT_CONCURRENCY } from "./text-completions";

const AliasParams = t.Object({ alias: t.String() });
const tags = ["openai"];
const chatDoc = { summary: "Chat completion (OpenAI v1); `stream: true` answers with SSE chunks", tags };
const completionDoc = { summary: "Text completion (OpenAI v1), served through OCI chat", tags };

/**
 * The OpenAI family's chat routes: `/v1/...` with the alias in the body's `model`, and
 * `/genai/{alias}/v1/...` with the alias in the path (the path wins: clients often send a
 * placeholder `model`). Each is a thin adapter over the chat core.
 */
export const openAiChatRoutes = new Elysia({ name: "family-openai-chat" })
  .use(context)
  .guard({ family: "openai" })
  .get(
    "/v1/models",
    ({ call, config }) => ({
      object: "list" as const,
      data: [...config.current.aliases.values()]
        .filter((a) => call.key?.mayUse(a.alias) ?? true)
        .map((a) => modelObject(a, created(config.current.loadedAt))),
    }),
    {
      response: ModelList,
      detail: { summary: "Every alias (models and agents) the key may use, as OpenAI model objects", tags },
    },
  )
  .get(
    "/v1/models/:alias",
    ({ call, config, params }) =>
      modelObject(findAlias(config.current, params.alias, call.key), created(config.current.loadedAt)),
    {
      params: AliasParams,
      response: ModelObjectSchema,
      detail: { summary: "One alias as an OpenAI model object", tags },
    },
  )
  .get(
    "/genai/:alias/v1/models",
    ({ config, alias }) => ({ object: "list" as const, data: [modelObject(alias, created(config.current.loadedAt))] }),
    {
      alias: "path",
      params: AliasParams,
      response: ModelList,
      detail: { summary: "The path's alias as a one-model list (for client.models.list())", tags },
    },
  )
  .post("/v1/chat/completions", chatCompletionRoute, aliasInBody(ChatCompletionRequest, chatDoc))
  .post("/genai/:alias/v1/chat/completions", chatCompletionRoute, aliasInPath(ChatCompletionRequest, chatDoc))
  .post("/v1/completions", textCompletionRoute, aliasInBody(CompletionRequest, completionDoc))
  .post("/genai/:alias/v1/completions", textCompletionRoute, aliasInPath(CompletionRequest, completionDoc));

/** An endpoint's two routes differ only in where the alias is named; the path's is declared as a param. */
function aliasInBody<Body extends TSchema>(body: Body, detail: DocumentDecoration) {
  return { alias: "body" as const, costly: true, body, parse: "json" as const, detail };
}

function aliasInPath<Body extends TSchema>(body: Body, detail: DocumentDecoration) {
  return { alias: "path" as const, costly: true, body, parse: "json" as const, params: AliasParams, detail };
}

/**
 * What a chat route's handler reads from the request context. Handlers destructure it in their
 * parameter list: Elysia reads that list to learn which parts of the request to prepare.
 */
type RouteContext<Body> = ChatInput<Body> &
  Pick<Services, "chat" | "responder" | "limiter" | "settings"> & { set: { headers: Record<string, unknown> } };
type ChatRoute = RouteContext<ChatCompletionRequest>;
type TextRoute = RouteContext<CompletionRequest>;

async function chatCompletionRoute({ chat, responder, call, set, request, body, alias }: ChatRoute) {
  return responder.reply(call, set, await chatCompletion(chat, { alias, body, call, request }));
}

async function textCompletionRoute({ chat, responder, limiter, settings, call, set, request, body, alias }: TextRoute) {
  const parallel = takePromptSlots(limiter, settings.limits.maxPrompts, call, body);
  return responder.reply(call, set, await textCompletion(chat, { alias, body, call, request }, parallel));
}

const created = (loadedAt: number) => Math.floor(loadedAt / 1000);

/** What an OpenAI chat route hands its adapter: the resolved alias, the body, the request. */
interface ChatInput<Body> {
  alias: ModelAlias;
  body: Body;
  call: RequestState;
  request: Request;
}

async function chatCompletion(chat: ChatService, i: ChatInput<ChatCompletionRequest>) {
  refuseUnservable(i.body);
  const out = await chat.run({
    alias: i.alias,
    request: withoutNulls(i.body),
    requestId: i.call.id,
    signal: i.request.signal,
    owner: i.call.owner,
    trace: i.call,
    conversation: openAiConversation(i.call.keyId, i.request.headers, i.body.user),
  });
  return chatCompletionReply(out, newCompletionMeta(i.alias.alias), i.body.stream_options?.include_usage === true);
}

/**
 * A prompt array is capped, and the calls it runs at once count against the key's concurrency
 * like separate requests (the route's own slot covers the first). Answers how many may run at once.
 */
function takePromptSlots(
  limiter: ConcurrencyLimiter,
  max: number,
  call: RequestState,
  body: CompletionRequest,
): number {
  const prompts = countPrompts(body, max);
  const parallel = Math.min(prompts, PROMPT_CONCURRENCY, limiter.perKey > 0 ? limiter.perKey : Infinity);
  call.whenFinished(limiter.acquire(call.owner, parallel - 1));
  return parallel;
}

function textCompletion(chat: ChatService, i: ChatInput<CompletionRequest>, parallel = PROMPT_CONCURRENCY) {
  const conversation = openAiConversation(i.call.keyId, i.request.headers, i.body.user);
  return createTextCompletion(
    (request, signal) =>
      chat.run({
        alias: i.alias,
        request,
        requestId: i.call.id,
        signal,
        owner: i.call.owner,
        conversation,
        trace: i.call,
      }),
    i.alias.alias,
    withoutNulls(i.body),
    i.request.signal,
    parallel,
  );
}
