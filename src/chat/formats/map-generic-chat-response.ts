import { UpstreamError } from "../../errors/upstream-error";
import { expectRec, isRec, optArray, optNumber, optString, type Rec, textOfParts } from "../../oci/reply-shapes";
import type { AnswerChoice, ChatAnswer, LogprobToken, ToolCall } from "../types";
import { mapFinishReason } from "./map-finish-reason";
import { mapUsage } from "./map-usage";

/** OCI ChatResult with a GENERIC chatResponse → the core's answer (one choice per generation). */
export function mapGenericChatResponse(body: unknown): ChatAnswer {
  const result = expectRec(body, "chat result");
  const res = expectRec(result.chatResponse, "chatResponse");
  if (res.apiFormat !== undefined && res.apiFormat !== "GENERIC") {
    throw new UpstreamError("bad_response", `expected a GENERIC chatResponse, got ${String(res.apiFormat)}`);
  }
  const choices = optArray(res.choices, "chatResponse.choices");
  if (choices.length === 0) throw new UpstreamError("bad_response", "chatResponse.choices is empty");
  const answer: ChatAnswer = {
    choices: choices.map((c, i): AnswerChoice => {
      const choice = expectRec(c, `choices[${i}]`);
      const message = expectRec(choice.message, `choices[${i}].message`);
      const toolCalls = optArray(message.toolCalls, "message.toolCalls").map((tc, j) => mapToolCall(tc, j));
      const text = textOfParts(message.content, "message.content");
      const out: AnswerChoice = {
        index: optNumber(choice.index) ?? i,
        text: text ?? (toolCalls.length ? undefined : ""),
        toolCalls,
        finishReason: mapFinishReason(choice.finishReason, toolCalls.length > 0 && choice.finishReason !== "length"),
      };
      const reasoning = optString(message.reasoningContent);
      if (reasoning) out.reasoning = reasoning;
      const refusal = optString(message.refusal);
      if (refusal) out.refusal = refusal;
      const logprobs = mapLogprobs(choice.logprobs);
      if (logprobs) out.logprobs = logprobs;
      return out;
    }),
    usage: mapUsage(res.usage),
  };
  // OCI echoes the tier that served the request (seen from OpenAI models); clients read OpenAI's lower case.
  const tier = optString(res.serviceTier);
  if (tier) answer.serviceTier = tier.toLowerCase();
  return answer;
}

function mapToolCall(v: unknown, j: number): ToolCall {
  const tc = expectRec(v, `toolCalls[${j}]`);
  const name = optString(tc.name);
  if (!name) throw new UpstreamError("bad_response", `toolCalls[${j}] has no name`);
  return { id: optString(tc.id) ?? `call_${j}`, name, arguments: optString(tc.arguments) ?? "{}" };
}

const utf8 = new TextEncoder();

/** OCI's column-wise logprobs (tokens[], tokenLogprobs[], topLogprobs[]) → one entry per token. */
export function mapLogprobs(v: unknown): LogprobToken[] | undefined {
  if (!isRec(v)) return undefined;
  const tokens = Array.isArray(v.tokens) ? v.tokens : [];
  if (tokens.length === 0) return undefined;
  const lps = Array.isArray(v.tokenLogprobs) ? v.tokenLogprobs : [];
  const tops = Array.isArray(v.topLogprobs) ? v.topLogprobs : [];
  const bytes = (s: string) => [...utf8.encode(s)];
  return tokens.map((tok, i) => {
    const token = String(tok);
    const top = isRec(tops[i]) ? (tops[i] as Rec) : {};
    return {
      token,
      logprob: optNumber(lps[i]) ?? 0,
      bytes: bytes(token),
      top_logprobs: Object.entries(top).map(([t, lp]) => ({ token: t, logprob: optNumber(lp) ?? 0, bytes: bytes(t) })),
    };
  });
}
