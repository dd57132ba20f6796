import { UpstreamError } from "../../errors/upstream-error";
import type { ChatCompletion, LogprobToken, ToolCallOut } from "../../families/openai/types";
import { expectRec, isRec, optArray, optNumber, optString, type Rec, textOfParts } from "../../oci/reply-shapes";
import { mapFinishReason } from "./map-finish-reason";
import { mapUsage } from "./map-usage";

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

/** OCI ChatResult with a GENERIC chatResponse → OpenAI chat.completion. */
export function mapGenericChatResponse(body: unknown, meta: CompletionMeta): ChatCompletion {
  const result = expectRec(body, "chat result");
  const res = expectRec(result.chatResponse, "chatResponse");
  if (res.apiFormat !== undefined && res.apiFormat !== "GENERIC") {
    throw new UpstreamError("bad_response", `expected a GENERIC chatResponse, got ${String(res.apiFormat)}`);
  }
  const choices = optArray(res.choices, "chatResponse.choices");
  if (choices.length === 0) throw new UpstreamError("bad_response", "chatResponse.choices is empty");
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: choices.map((c, i) => {
      const choice = expectRec(c, `choices[${i}]`);
      const message = expectRec(choice.message, `choices[${i}].message`);
      const toolCalls = optArray(message.toolCalls, "message.toolCalls").map((tc, j) => mapToolCall(tc, j));
      const text = textOfParts(message.content, "message.content");
      const out: ChatCompletion["choices"][number]["message"] = {
        role: "assistant",
        content: text ?? (toolCalls.length ? null : ""),
      };
      if (toolCalls.length) out.tool_calls = toolCalls;
      const reasoning = optString(message.reasoningContent);
      if (reasoning) out.reasoning_content = reasoning;
      const refusal = optString(message.refusal);
      if (refusal) out.refusal = refusal;
      return {
        index: optNumber(choice.index) ?? i,
        message: out,
        logprobs: mapLogprobs(choice.logprobs),
        finish_reason: mapFinishReason(choice.finishReason, toolCalls.length > 0 && choice.finishReason !== "length"),
      };
    }),
    usage: mapUsage(res.usage),
  };
}

function mapToolCall(v: unknown, j: number): ToolCallOut {
  const tc = expectRec(v, `toolCalls[${j}]`);
  const name = optString(tc.name);
  if (!name) throw new UpstreamError("bad_response", `toolCalls[${j}] has no name`);
  return {
    id: optString(tc.id) ?? `call_${j}`,
    type: "function",
    function: { name, arguments: optString(tc.arguments) ?? "{}" },
  };
}

/** OCI's column-wise logprobs (tokens[], tokenLogprobs[], topLogprobs[]) → OpenAI's per-token list. */
export function mapLogprobs(v: unknown): { content: LogprobToken[] } | null {
  if (!isRec(v)) return null;
  const tokens = Array.isArray(v.tokens) ? v.tokens : [];
  if (tokens.length === 0) return null;
  const lps = Array.isArray(v.tokenLogprobs) ? v.tokenLogprobs : [];
  const tops = Array.isArray(v.topLogprobs) ? v.topLogprobs : [];
  return {
    content: tokens.map((tok, i) => {
      const token = String(tok);
      const top = isRec(tops[i]) ? (tops[i] as Rec) : {};
      return {
        token,
        logprob: optNumber(lps[i]) ?? 0,
        bytes: [...new TextEncoder().encode(token)],
        top_logprobs: Object.entries(top).map(([t, lp]) => ({
          token: t,
          logprob: optNumber(lp) ?? 0,
          bytes: [...new TextEncoder().encode(t)],
        })),
      };
    }),
  };
}
