import { Elysia, t } from "elysia";
import type { SessionManager } from "../../agents/session-manager";
import { completeChat } from "../../chat/chat-service";
import { findAlias, requireModelAlias } from "../../config/find-alias";
import type { ConfigStore } from "../../config/store";
import type { ModelAlias } from "../../config/types";
import type { FilesService } from "../../files/files-service";
import { callerOf } from "../../http/caller";
import type { sessions as sessionsPlugin } from "../../http/plugins/sessions";
import type { transport as transportPlugin } from "../../http/plugins/transport";
import { requestInfo } from "../../http/request-info";
import { lift, respond, type StreamContext } from "../../http/respond";
import type { OciTransport } from "../../oci/transport";
import { ChatCompletionRequest, CompletionRequest } from "./schemas";
import { createTextCompletion } from "./text-completions";
import type { ModelObject } from "./types";

const ModelObjectSchema = t.Object({
  id: t.String(),
  object: t.Literal("model"),
  created: t.Number(),
  owned_by: t.String(),
  type: t.Union([t.Literal("model"), t.Literal("agent")]),
  region: t.String(),
  description: t.Optional(t.String()),
});
const ModelList = t.Object({ object: t.Literal("list"), data: t.Array(ModelObjectSchema) });
const AliasParams = t.Object({ alias: t.String() });

function modelObject(a: ModelAlias, created: number): ModelObject {
  const vendor = a.type === "agent" ? "oci-genai-agents" : /^[a-z]+\./.test(a.id) ? a.id.split(".")[0]! : "oci";
  return {
    id: a.alias,
    object: "model",
    created,
    owned_by: vendor,
    type: a.type,
    region: a.region,
    ...(a.description ? { description: a.description } : {}),
  };
}

/**
 * The OpenAI family: `/v1/...` with the alias in the body, and `/genai/{alias}/v1/...` with the
 * alias in the path (the path wins; clients often send a placeholder `model`).
 */
export function openAiRoutes(
  store: ConfigStore,
  oci: ReturnType<typeof transportPlugin>,
  agentSessions: ReturnType<typeof sessionsPlugin>,
  opts: StreamContext & { files: FilesService; allowPrivateImageHosts: ReadonlySet<string> },
) {
  const created = () => Math.floor(store.current.loadedAt / 1000);
  const stream = {
    keepAliveMs: opts.keepAliveMs,
    streams: opts.streams,
    metrics: opts.metrics,
    family: "openai" as const,
  };

  type Ctx = {
    transport: OciTransport;
    sessions: SessionManager;
    request: Request;
    server: Parameters<typeof lift>[0];
    set: { headers: Record<string, unknown> };
  };
  const chat = async (
    { transport, sessions, request, server, set }: Ctx,
    alias: ModelAlias,
    body: ChatCompletionRequest,
  ) => {
    lift(server, request);
    requestInfo(request).alias = alias.alias;
    const caller = callerOf(request, body.user);
    const outcome = await completeChat(
      { transport, sessions, files: opts.files, allowPrivateImageHosts: opts.allowPrivateImageHosts },
      { alias, request: body, requestId: requestInfo(request).id, signal: request.signal, caller },
    );
    return respond(outcome, request, set, stream);
  };
  const complete = async (
    { transport, sessions, request, server, set }: Ctx,
    alias: ModelAlias,
    body: CompletionRequest,
  ) => {
    lift(server, request);
    requestInfo(request).alias = alias.alias;
    const caller = callerOf(request, body.user);
    const outcome = await createTextCompletion(
      (call) =>
        completeChat(
          { transport, sessions, files: opts.files, allowPrivateImageHosts: opts.allowPrivateImageHosts },
          { ...call, caller },
        ),
      {
        alias,
        request: body,
        requestId: requestInfo(request).id,
        signal: request.signal,
      },
    );
    return respond(outcome, request, set, stream);
  };
  const chatDoc = { summary: "Chat completion (OpenAI v1); `stream: true` answers with SSE chunks", tags: ["openai"] };
  const completionDoc = { summary: "Text completion (OpenAI v1), served through OCI chat", tags: ["openai"] };

  return new Elysia({ name: "routes-openai" })
    .use(oci)
    .use(agentSessions)
    .get(
      "/v1/models",
      () => ({
        object: "list" as const,
        data: [...store.current.aliases.values()].map((a) => modelObject(a, created())),
      }),
      {
        response: ModelList,
        detail: { summary: "Every alias (models and agents) as OpenAI model objects", tags: ["openai"] },
      },
    )
    .get("/v1/models/:alias", ({ params }) => modelObject(findAlias(store.current, params.alias), created()), {
      params: AliasParams,
      response: ModelObjectSchema,
      detail: { summary: "One alias as an OpenAI model object", tags: ["openai"] },
    })
    .get(
      "/genai/:alias/v1/models",
      ({ params }) => ({
        object: "list" as const,
        data: [modelObject(findAlias(store.current, params.alias), created())],
      }),
      {
        params: AliasParams,
        response: ModelList,
        detail: { summary: "The path's alias as a one-model list (for client.models.list())", tags: ["openai"] },
      },
    )
    .post("/v1/chat/completions", (ctx) => chat(ctx, requireModelAlias(store.current, ctx.body.model), ctx.body), {
      body: ChatCompletionRequest,
      parse: "json",
      detail: chatDoc,
    })
    .post(
      "/genai/:alias/v1/chat/completions",
      (ctx) => chat(ctx, findAlias(store.current, ctx.params.alias), ctx.body),
      { body: ChatCompletionRequest, parse: "json", params: AliasParams, detail: chatDoc },
    )
    .post("/v1/completions", (ctx) => complete(ctx, requireModelAlias(store.current, ctx.body.model), ctx.body), {
      body: CompletionRequest,
      parse: "json",
      detail: completionDoc,
    })
    .post(
      "/genai/:alias/v1/completions",
      (ctx) => complete(ctx, findAlias(store.current, ctx.params.alias), ctx.body),
      { body: CompletionRequest, parse: "json", params: AliasParams, detail: completionDoc },
    );
}
