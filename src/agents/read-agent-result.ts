import type { TokenUsage } from "../chat/types";
import { UpstreamError } from "../errors/upstream-error";
import { expectRec, isRec, optArray, optNumber, optString } from "../oci/reply-shapes";

/** A client-side function the agent wants run (FUNCTION_CALLING_REQUIRED_ACTION). */
export interface AgentFunctionCall {
  actionId: string;
  name: string;
  arguments: string;
}

/** What the gateway needs of an agent's ChatResult, validated. */
export interface AgentAnswer {
  text: string;
  citations: unknown[];
  timeCreated: string;
  functionCalls: AgentFunctionCall[];
  /** Human-approval requests have no OpenAI equivalent; their prompts are appended to the text. */
  approvals: string[];
  usage?: TokenUsage;
}

/** OCI agent ChatResult (docs/oci-wire.md#agent-chat) → AgentAnswer. `message.content` is an object, not an array. */
export function readAgentResult(body: unknown): AgentAnswer {
  const r = expectRec(body, "agent chat result");
  const message = r.message === undefined || r.message === null ? {} : expectRec(r.message, "agent message");
  const content =
    message.content === undefined || message.content === null
      ? {}
      : expectRec(message.content, "agent message content");
  const functionCalls: AgentFunctionCall[] = [];
  const approvals: string[] = [];
  for (const [i, raw] of optArray(r.requiredActions, "requiredActions").entries()) {
    const a = expectRec(raw, `requiredActions[${i}]`);
    const actionId = optString(a.actionId);
    if (!actionId) throw new UpstreamError("bad_response", `requiredActions[${i}] has no actionId`);
    if (a.requiredActionType === "FUNCTION_CALLING_REQUIRED_ACTION") {
      const fc = isRec(a.functionCall) ? a.functionCall : {};
      const name = optString(fc.name);
      if (!name) throw new UpstreamError("bad_response", `requiredActions[${i}].functionCall has no name`);
      functionCalls.push({
        actionId,
        name,
        arguments: typeof fc.arguments === "string" ? fc.arguments : JSON.stringify(fc.arguments ?? {}),
      });
    } else if (a.requiredActionType === "HUMAN_APPROVAL_REQUIRED_ACTION") {
      const options = optArray(a.options, "options").map(String);
      approvals.push(
        `${optString(a.message) ?? "Approval required"}${options.length ? ` (${options.join("/")})` : ""}`,
      );
    }
  }
  return {
    text: optString(content.text) ?? "",
    citations: optArray(content.citations, "citations"),
    timeCreated: optString(message.timeCreated) ?? new Date().toISOString(),
    functionCalls,
    approvals,
    usage: usageFromTraces(r.traces),
  };
}

/** Agents report tokens per model call inside traces; their sum is the answer's usage. */
export function usageFromTraces(traces: unknown): TokenUsage | undefined {
  let prompt = 0;
  let completion = 0;
  let seen = false;
  for (const t of Array.isArray(traces) ? traces : []) {
    if (!isRec(t)) continue;
    for (const u of Array.isArray(t.usage) ? t.usage : []) {
      if (!isRec(u) || !isRec(u.usageDetails)) continue;
      prompt += optNumber(u.usageDetails.inputTokenCount) ?? 0;
      completion += optNumber(u.usageDetails.outputTokenCount) ?? 0;
      seen = true;
    }
  }
  return seen ? { inputTokens: prompt, outputTokens: completion, totalTokens: prompt + completion } : undefined;
}
