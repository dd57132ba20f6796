import type { FinishReason } from "../types";

/**
 * OCI finish reasons → the core's (OpenAI's words). GENERIC already speaks them; COHERE and
 * COHEREV2 use their own. OCI has also been seen to send null when a stop sequence matched: that
 * is a stop.
 */
export function mapFinishReason(reason: unknown, hasToolCalls = false): FinishReason {
  if (hasToolCalls) return "tool_calls";
  const r = typeof reason === "string" ? reason.toLowerCase() : "";
  switch (r) {
    case "stop":
    case "complete":
    case "stop_sequence":
    case "end_turn":
    case "":
    case "null":
    case "user_cancel":
      return "stop";
    case "length":
    case "max_tokens":
    case "error_limit":
      return "length";
    case "tool_calls":
    case "tool_call":
    case "function_call":
      return "tool_calls";
    case "content_filter":
    case "error_toxic":
      return "content_filter";
    default:
      return "stop";
  }
}
