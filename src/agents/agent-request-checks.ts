import type { ChatRequest } from "../chat/types";
import { unsupportedParam } from "../errors/api-error";

/**
 * What an agent cannot do that a client may ask for, refused by name instead of answered as if it
 * had been done: one answer per turn, in the agent's own words, with the tools it chooses. Hints
 * about how to generate (temperature, max_tokens, stop, …) and the client's own tool list are the
 * agent's business and are left out, as coding agents send them on every turn
 * (docs/api/openai.md#agents-on-openai-routes). Pure.
 */
export function rejectWhatAgentsCannotDo(req: ChatRequest): void {
  if (req.n != null && req.n > 1) throw unsupportedParam("n", "an agent gives one answer per turn");
  const format = req.response_format?.type;
  if (format === "json_object" || format === "json_schema")
    throw unsupportedParam("response_format", "an agent answers in its own words; it has no JSON mode");
  if (req.logprobs === true) throw unsupportedParam("logprobs", "agents give no log probabilities");
  const choice = req.tool_choice;
  if (choice === "required" || (typeof choice === "object" && choice !== null))
    throw unsupportedParam("tool_choice", "an agent decides which of its own tools to call");
}
