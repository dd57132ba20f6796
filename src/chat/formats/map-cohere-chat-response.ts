import { UpstreamError } from "../../errors/upstream-error";
import { expectRec, optArray, optString } from "../../oci/reply-shapes";
import type { ChatAnswer, ToolCall } from "../types";
import { mapFinishReason } from "./map-finish-reason";
import { mapUsage } from "./map-usage";
import { syntheticToolCallId } from "./synthetic-tool-call-id";
import { throwIfCohereError } from "./throw-if-cohere-error";

/** OCI ChatResult with a COHERE chatResponse → the core's answer. */
export function mapCohereChatResponse(body: unknown): ChatAnswer {
  const result = expectRec(body, "chat result");
  const res = expectRec(result.chatResponse, "chatResponse");
  if (res.apiFormat !== undefined && res.apiFormat !== "COHERE")
    throw new UpstreamError("bad_response", `expected a COHERE chatResponse, got ${String(res.apiFormat)}`);
  throwIfCohereError(res);
  const toolCalls = cohereToolCalls(res.toolCalls);
  const text = optString(res.text) ?? "";
  return {
    choices: [
      {
        index: 0,
        text: text === "" && toolCalls.length ? undefined : text,
        toolCalls,
        finishReason: mapFinishReason(res.finishReason, toolCalls.length > 0),
      },
    ],
    usage: mapUsage(res.usage),
  };
}

/** Cohere v1 tool calls `{name, parameters}` → calls with synthetic stable ids. */
export function cohereToolCalls(v: unknown, offset = 0): ToolCall[] {
  return optArray(v, "toolCalls").map((c, i) => {
    const call = expectRec(c, `toolCalls[${i}]`);
    const name = optString(call.name);
    if (!name) throw new UpstreamError("bad_response", `toolCalls[${i}] has no name`);
    const args = JSON.stringify(call.parameters ?? {});
    return { id: syntheticToolCallId(offset + i, name, args), name, arguments: args };
  });
}
