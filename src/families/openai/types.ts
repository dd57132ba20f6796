/** OpenAI response shapes this gateway produces (the subset of the OpenAI API it speaks). */

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call";

export interface ToolCallOut {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number; accepted_prediction_tokens?: number };
}

export interface LogprobToken {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] | null }>;
}

/** The `agent` object an answer from an agent alias carries (docs/api/openai.md). */
export interface AgentInfo {
  session_id: string;
  session_key: string;
  reused: boolean;
  citations: unknown[];
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: {
      role: "assistant";
      content: string | null;
      tool_calls?: ToolCallOut[];
      reasoning_content?: string;
      refusal?: string | null;
    };
    logprobs: { content: LogprobToken[] } | null;
    finish_reason: FinishReason | null;
  }>;
  usage?: Usage;
  /** The tier that served the answer, when OCI says (docs/api/openai.md#chat-answer). */
  service_tier?: string;
  agent?: AgentInfo;
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function: { name?: string; arguments: string };
}

export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: { role?: "assistant"; content?: string; reasoning_content?: string; tool_calls?: ToolCallDelta[] };
    /** The tokens of this delta, when logprobs were asked for and OCI sent them with the text. */
    logprobs: { content: LogprobToken[] } | null;
    finish_reason: FinishReason | null;
  }>;
  usage?: Usage | null;
  agent?: AgentInfo;
}

export interface TextCompletion {
  id: string;
  object: "text_completion";
  created: number;
  model: string;
  choices: Array<{ text: string; index: number; logprobs: null; finish_reason: FinishReason | null }>;
  usage?: Usage;
}

export interface ModelObject {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
  type: "model" | "agent" | "pool";
  region: string;
  description?: string;
  /** Extra model names and patterns that resolve to this alias (docs/configuration.md#names). */
  names?: string[];
  /** A pool's member aliases (docs/several-regions.md). */
  members?: string[];
}
