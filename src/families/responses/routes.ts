import { Elysia } from "elysia";
import { context } from "../../http/context";
import { ignoredToolsHeader } from "../../http/ignored-tools";
import type { Json } from "../../stored-responses/response-types";
import { createResponse } from "./create-response";
import { AliasResponseIdParams, InputItemsQuery, ResponseIdParams, ResponsesRequest } from "./schemas";

const tags = ["responses"];
const createDoc = {
  summary: "Create a response (OpenAI Responses API) over OCI chat or an agent; `stream: true` answers SSE events",
  tags,
};

/**
 * The OpenAI Responses API (docs/api/responses.md): create, streamed or not, for every model
 * format and agent aliases; stored responses retrieved, listed by input item and deleted, per
 * API key. Under `/v1` and `/genai/{alias}/v1` (the path's alias wins there, as for chat).
 */
export const responsesRoutes = new Elysia({ name: "family-responses" }).use(context).guard({ family: "responses" });

for (const [path, from] of [
  ["/v1/responses", "body"],
  ["/genai/:alias/v1/responses", "path"],
] as const) {
  responsesRoutes.post(
    path,
    async ({ chat, storedResponses, settings, responder, log, call, set, request, body, alias }) => {
      const r = await createResponse(
        { chat, stored: storedResponses, strictTools: settings.strictTools },
        { alias, body, call, request },
      );
      if (r.ignoredTools.length) {
        set.headers["x-ocigenai-ignored-tools"] = ignoredToolsHeader(r.ignoredTools);
        log.warn("hosted tools not offered to the model", { requestId: call.id, tools: r.ignoredTools });
      }
      return responder.reply(call, set, r.reply);
    },
    { alias: from, costly: true, body: ResponsesRequest, parse: "json", detail: createDoc },
  );
}

// Under `/genai/{alias}/v1` the path's alias is resolved as on every route there (404 unknown,
// 403 not the key's), though what is stored is found by the caller's key and the id alone.
for (const [base, params, alias] of [
  ["/v1/responses", ResponseIdParams, undefined],
  ["/genai/:alias/v1/responses", AliasResponseIdParams, "path"],
] as const) {
  const named = alias ? { alias } : {};
  responsesRoutes
    .get(
      `${base}/:id`,
      async ({ storedResponses, call, params }) => (await storedResponses.get(call.owner, params.id)).response,
      {
        ...named,
        params,
        detail: { summary: "A stored response (404 when unknown, expired or another API key's)", tags },
      },
    )
    .delete(
      `${base}/:id`,
      async ({ storedResponses, call, params }) => {
        await storedResponses.delete(call.owner, params.id);
        return { id: params.id, object: "response" as const, deleted: true as const };
      },
      { ...named, params, detail: { summary: "Delete a stored response", tags } },
    )
    .get(
      `${base}/:id/input_items`,
      async ({ storedResponses, call, params, query }) => {
        const { input } = await storedResponses.get(call.owner, params.id);
        return pageOf(input, query);
      },
      {
        ...named,
        params,
        query: InputItemsQuery,
        detail: { summary: "The input items of a stored response, paged", tags },
      },
    );
}

/**
 * OpenAI's list page: newest first by default, `limit` ≤ 100; `after` an item id → the page after
 * it, `before` → the page just before it (going back), both in the list's order. A cursor that
 * names no item of the list → an empty page.
 */
function pageOf(items: Json[], q: { order?: "asc" | "desc"; limit?: string; after?: string; before?: string }) {
  let list = q.order === "asc" ? [...items] : [...items].reverse();
  if (q.after) {
    const at = list.findIndex((it) => it.id === q.after);
    list = at >= 0 ? list.slice(at + 1) : [];
  }
  if (q.before) {
    const at = list.findIndex((it) => it.id === q.before);
    list = at >= 0 ? list.slice(0, at) : [];
  }
  const limit = q.limit === undefined ? 20 : Number(q.limit);
  // Going back, the page is the `limit` items nearest the cursor; `has_more` says more lie beyond
  // the page in the direction of travel, as it does going forward.
  const data = q.before && !q.after ? list.slice(Math.max(0, list.length - limit)) : list.slice(0, limit);
  return {
    object: "list" as const,
    data,
    first_id: (data[0]?.id as string | undefined) ?? null,
    last_id: (data.at(-1)?.id as string | undefined) ?? null,
    has_more: list.length > limit,
  };
}
