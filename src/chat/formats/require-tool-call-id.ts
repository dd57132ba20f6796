import { badRequest } from "../../errors/api-error";
import type { ChatMessage } from "../types";

/** A tool message is paired with the call it answers by this id; without one the request is refused. */
export function requireToolCallId(m: ChatMessage, i: number): string {
  const param = `messages[${i}].tool_call_id`;
  if (!m.tool_call_id) throw badRequest(`'${param}' is required for role 'tool'`, param, "missing_required_parameter");
  return m.tool_call_id;
}
