/** The Responses API shapes this gateway produces (docs/api/responses.md). */

export type Json = Record<string, unknown>;

export interface OutputText {
  type: "output_text";
  text: string;
  annotations: Json[];
  logprobs?: unknown[];
}

export interface MessageItem {
  type: "message";
  id: string;
  role: "assistant";
  status: "in_progress" | "completed" | "incomplete";
  content: OutputText[];
}

export interface ReasoningItem {
  type: "reasoning";
  id: string;
  summary: Array<{ type: "summary_text"; text: string }>;
  status?: "in_progress" | "completed";
}

export interface FunctionCallItem {
  type: "function_call";
  id: string;
  call_id: string;
  name: string;
  namespace?: string;
  arguments: string;
  status: "in_progress" | "completed";
}

export interface CustomToolCallItem {
  type: "custom_tool_call";
  id: string;
  call_id: string;
  name: string;
  namespace?: string;
  input: string;
  status?: "in_progress" | "completed";
}

export interface LocalShellCallItem {
  type: "local_shell_call";
  id: string;
  call_id: string;
  status: "in_progress" | "completed";
  action: Json & { type: "exec" };
}

export interface ToolSearchCallItem {
  type: "tool_search_call";
  id: string;
  call_id: string;
  arguments: unknown;
  execution: "client";
  status: "in_progress" | "completed";
}

export type OutputItem =
  | MessageItem
  | ReasoningItem
  | FunctionCallItem
  | CustomToolCallItem
  | LocalShellCallItem
  | ToolSearchCallItem;

export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed";

export interface ResponseObject {
  id: string;
  object: "response";
  created_at: number;
  status: ResponseStatus;
  completed_at: number | null;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: "max_output_tokens" | "content_filter" } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: string | null };
  store: boolean;
  temperature: number | null;
  text: { format: Json; verbosity?: string | null };
  tool_choice: unknown;
  tools: unknown[];
  top_p: number | null;
  truncation: string;
  usage: ResponseUsage | null;
  user: string | null;
  metadata: Record<string, string>;
  /** The tier OCI says served the answer, when it says (non-streamed answers). */
  service_tier?: string;
  /** Agent aliases: the OCI session the chain lives in, and what the agent cited. */
  agent?: { session_id: string; citations: unknown[] };
}
