import type { ChatService } from "../../chat/chat-service";
import type { ChatOutcome, ChatStream } from "../../chat/outcome";
import { RequestOrigins } from "../../chat/request-origins";
import type { ChatEvent } from "../../chat/types";
import type { ModelAlias } from "../../config/types";
import { ApiError, badRequest } from "../../errors/api-error";
import type { RequestState } from "../../http/request-state";
import { type Reply, type StreamReply, streamReply } from "../../http/respond";
import { encodeChunk, type SseChunk } from "../../http/sse";
import { mapFlow } from "../../lib/flow";
import { itemIdsFor, type MintItemId, newResponseId } from "../../stored-responses/item-ids";
import type { Json, ResponseObject } from "../../stored-responses/response-types";
import type { StoredResponses } from "../../stored-responses/stored-responses";
import { convertToChatRequest, inputItems } from "./convert-to-chat-request";
import { completeResponse, outputItems, responseShell } from "./render-response";
import type { ResponsesRequest } from "./schemas";
import { ResponseStreamWriter } from "./stream-writer";
import { planTools, type ToolPlan } from "./tools";

export interface ResponsesDeps {
  chat: ChatService;
  stored: StoredResponses;
  /** STRICT_TOOLS=true: hosted tools are a 400 instead of being left out. */
  strictTools: boolean;
}

export interface CreateInput {
  alias: ModelAlias;
  body: ResponsesRequest;
  call: RequestState;
  request: Request;
}

/**
 * `POST /v1/responses`: the request becomes a chat-core request (with the stored chain before
 * it when `previous_response_id` names one), and the core's answer comes back as a response
 * object or its event stream. With `store` (the default) the finished response is kept for the
 * caller's key; a call that fails stores nothing. An agent alias keeps one OCI session per chain.
 */
export async function createResponse(
  deps: ResponsesDeps,
  i: CreateInput,
): Promise<{ reply: Reply<ResponseObject>; ignoredTools: string[] }> {
  const { body, call } = i;
  if (body.background) {
    throw badRequest("'background' responses are not supported by this gateway", "background", "unsupported_parameter");
  }
  const owner = call.owner;
  const id = newResponseId();
  const newId = itemIdsFor(id);
  const listed = inputItems(body.input);
  // Awaited only when there is something to look up: every await before OCI is asked is a turn
  // of the event loop on the way to the first token.
  const given = listed.some(isReference) ? await resolveReferences(deps.stored, owner, listed) : listed;
  // Ids and OpenAI's item shape matter only for what is kept (`input_items`, chains).
  const items = body.store === false ? given : withIds(given, newId);
  const chain = body.previous_response_id ? await deps.stored.history(owner, body.previous_response_id) : undefined;
  const loaded = [...(chain?.items ?? []), ...items].flatMap(loadedTools);
  const plan = planTools(body.tools, body.tool_choice, deps.strictTools, loaded);
  const request = convertToChatRequest(body, plan, chain?.items, given);
  const chainId = chain?.chainId ?? id;
  const shell = responseShell(id, i.alias.alias, body);
  // A stream's opening events are made while OCI is being asked — after the request has left,
  // in the next turn of the event loop — not before it leaves nor once OCI answers: they carry
  // the response object twice (a coding agent's holds its instructions and tools, tens of KB),
  // and they leave with the first token. An answer faster than that turn makes them itself.
  let opened: Opened | undefined;
  if (body.stream)
    setImmediate(() => {
      opened ??= openStream(shell, plan, newId);
    });
  const out: ChatOutcome = await deps.chat
    .run({
      alias: i.alias,
      request,
      requestId: call.id,
      signal: i.request.signal,
      owner,
      trace: call,
      conversation: { kind: "auto", channel: "responses", cuid: chainId },
    })
    .catch((e: unknown) => {
      throw RequestOrigins.renamed(e, () => {
        const origins = new RequestOrigins("input");
        return { request: convertToChatRequest(body, plan, chain?.items, given, origins), origins };
      });
    });
  const keep = keeper(deps.stored, owner, body.store === false ? undefined : { input: items, chainId }, chain?.ids);

  if (out.kind === "answer") {
    const a = out.answer;
    const response = completeResponse(
      shell,
      outputItems(a, plan, newId),
      a.choices[0]?.finishReason,
      a.usage,
      a.agent,
      a.serviceTier,
    );
    await keep(response);
    return {
      reply: { kind: "json", body: response, ociRequestId: out.ociRequestId, usage: a.usage },
      ignoredTools: plan.ignored,
    };
  }
  opened ??= openStream(shell, plan, newId);
  return { reply: responseStream(out, opened, keep), ignoredTools: plan.ignored };
}

/** A stream's writer and its opening events, as the bytes they go out as. */
interface Opened {
  writer: ResponseStreamWriter;
  opening: Uint8Array;
}

function openStream(shell: ResponseObject, plan: ToolPlan, newId: MintItemId): Opened {
  const writer = new ResponseStreamWriter(shell, plan, newId);
  return { writer, opening: encodeChunk(writer.start()) };
}

/**
 * How a finished response is kept (nothing, with `store: false`). Made outside `createResponse`,
 * as the stream below: closures made in an async function keep all of its locals alive — the
 * request, its conversion, the chain — for as long as the stream lasts; this one keeps only
 * what it stores.
 */
function keeper(
  stored: StoredResponses,
  owner: string,
  kept: { input: Json[]; chainId: string } | undefined,
  earlier: string[] | undefined,
): (response: ResponseObject) => Promise<void> {
  return (response) => (kept ? stored.save(owner, { response, ...kept }, earlier) : Promise.resolve());
}

function responseStream(
  out: ChatStream,
  { writer, opening }: Opened,
  keep: (response: ResponseObject) => Promise<void>,
): StreamReply {
  // Each event's frames leave together (the first delta with its item and part announcements).
  const frames = mapFlow<ChatEvent, SseChunk>(out.events, {
    push: (ev, to) => to.next(writer.push(ev)),
    async end(to) {
      const last = writer.end();
      // Kept before the client hears it is complete, so a follow-up can name it at once; if the
      // store fails, the stream fails (response.failed) rather than promise a chain it cannot keep.
      if (writer.final) await keep(writer.final);
      to.next(last);
    },
  });
  return streamReply(out, frames, (e) => writer.failed(e), { opening });
}

const ID_PREFIX: Record<string, string> = {
  message: "msg",
  function_call: "fc",
  function_call_output: "fco",
  custom_tool_call: "ctc",
  custom_tool_call_output: "ctco",
  reasoning: "rs",
};

/**
 * Input items as kept for `input_items` and replayed along a chain: each with an id (the
 * client's, or a new one), and a message's content as a list of parts with a status, the shape
 * OpenAI answers and its SDKs type (`{role, content: "Hi"}` comes back as an `input_text` part).
 */
function withIds(items: Json[], newId: MintItemId): Json[] {
  return items.map((it) => {
    const item = it.type === "message" ? messageItem(it) : it;
    return typeof item.id === "string" && item.id
      ? item
      : { ...item, id: newId(ID_PREFIX[String(item.type)] ?? "item") };
  });
}

function messageItem(it: Json): Json {
  const assistant = it.role === "assistant";
  const content =
    typeof it.content === "string"
      ? [
          assistant
            ? { type: "output_text", text: it.content, annotations: [] }
            : { type: "input_text", text: it.content },
        ]
      : it.content;
  return { ...it, content, status: it.status ?? "completed" };
}

const isReference = (it: Json) => it.type === "item_reference";

/** The tools a `tool_search_output` item loaded (Codex's tool search), offered from then on. */
const loadedTools = (it: Json) => (it.type === "tool_search_output" && Array.isArray(it.tools) ? it.tools : []);

/**
 * `item_reference` items replaced by the items they name, from the caller's stored responses:
 * the AI SDK sends an earlier answer that way rather than repeat it. A reference to nothing the
 * caller has stored is a 404, never a silently shorter conversation.
 */
async function resolveReferences(stored: StoredResponses, owner: string, items: Json[]): Promise<Json[]> {
  return Promise.all(
    items.map(async (it, i) => {
      if (!isReference(it)) return it;
      const ref = typeof it.id === "string" ? it.id : "";
      const found = ref ? await stored.item(owner, ref) : undefined;
      if (!found) {
        throw new ApiError(404, `No item with id '${ref}' is stored for this API key`, {
          type: "invalid_request_error",
          param: `input[${i}].id`,
          code: "item_not_found",
        });
      }
      return found;
    }),
  );
}
