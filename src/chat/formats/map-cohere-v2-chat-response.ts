import { UpstreamError } from "../../errors/upstream-error";
import { expectRec, isRec, optArray, optString, type Rec } from "../../oci/reply-shapes";
import type { AnswerChoice, ChatAnswer, ToolCall } from "../types";
import { mapFinishReason } from "./map-finish-reason";
import { mapUsage } from "./map-usage";
import { syntheticToolCallId } from "./synthetic-tool-call-id";
import { throwIfCohereError } from "./throw-if-cohere-error";

/** OCI ChatResult with a COHEREV2 chatResponse → the core's answer. */
export function mapCohereV2ChatResponse(body: unknown): ChatAnswer {
  const result = expectRec(body, "chat result");
  const res = expectRec(result.chatResponse, "chatResponse");
  if (res.apiFormat !== undefined && res.apiFormat !== "COHEREV2")
    throw new UpstreamError("bad_response", `expected a COHEREV2 chatResponse, got ${String(res.apiFormat)}`);
  throwIfCohereError(res);
  const message = expectRec(res.message, "chatResponse.message");
  const { text, thinking } = v2Content(message.content);
  const toolCalls = optArray(message.toolCalls, "message.toolCalls").map((c, i) => v2ToolCall(c, i));
  const choice: AnswerChoice = {
    index: 0,
    text: text === "" && toolCalls.length ? undefined : text,
    toolCalls,
    finishReason: mapFinishReason(res.finishReason, toolCalls.length > 0),
  };
  if (thinking) choice.reasoning = thinking;
  return { choices: [choice], usage: mapUsage(res.usage) };
}

export function v2Content(content: unknown): { text: string; thinking: string } {
  let text = "";
  let thinking = "";
  for (const p of optArray(content, "message.content")) {
    if (!isRec(p)) continue;
    if (p.type === "TEXT" && typeof p.text === "string") text += p.text;
    if (p.type === "THINKING" && typeof p.thinking === "string") thinking += p.thinking;
  }
  return { text, thinking };
}

export function v2ToolCall(v: unknown, i: number): ToolCall {
  const c = expectRec(v, `toolCalls[${i}]`);
  const fn: Rec = isRec(c.function) ? c.function : {};
  const name = optString(fn.name);
  if (!name) throw new UpstreamError("bad_response", `toolCalls[${i}] has no function name`);
  const args = typeof fn.arguments === "string" ? fn.arguments : JSON.stringify(fn.arguments ?? {});
  return { id: optString(c.id) ?? syntheticToolCallId(i, name, args), name, arguments: args };
}
