/**
 * The chat core's own request and answer. Every API family converts its request into a
 * `ChatRequest` and renders `ChatAnswer`s and `ChatEvent`s back in its own shape; the OCI formats
 * (GENERIC, COHERE, COHEREV2) and agent endpoints sit behind the core. See docs/architecture.md.
 *
 * The request uses OpenAI chat's field names and message model: it is the richest form the
 * families share (the Responses and Messages APIs map onto it without loss for what OCI can do),
 * and keeping its names lets a 400 name the parameter the way OpenAI clients expect. It is
 * declared here, apart from any route schema, so the core depends on no family.
 */

import type { ModelAlias } from "../config/types";
import type { PoolTrace } from "../pools/route-pool";

export type Role = "system" | "developer" | "user" | "assistant" | "tool";

/**
 * A part of a user message. `file` carries an uploaded file's id or inline data as a data URL
 * (`data:application/pdf;base64,…`); which OCI content it becomes (image, audio, video, document)
 * is decided by its media type. `input_audio` is OpenAI's raw base64 audio with its format
 * (`wav` or `mp3`, checked by the formats so the 400 names the field).
 */
export type ContentPart =
  | { type: "text"; text: string }
  | ({ type: "image_url"; image_url: { url: string; detail?: "auto" | "low" | "high" } } & ToolMedia)
  | ({ type: "file"; file: { file_id?: string; file_data?: string; filename?: string } } & ToolMedia)
  | { type: "input_audio"; input_audio: { data: string; format: string } };

/**
 * An image or file a tool returned (Claude Code's Read of a picture, Codex's view_image), not one
 * the user sent: a model that cannot see it gets a note in its place rather than a 400 — the
 * agent resends it every turn, so a refusal would end the session (formats/message-text.ts).
 */
export interface ToolMedia {
  from_tool?: true;
}

export interface ChatToolCall {
  id: string;
  type?: "function";
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: Role;
  content?: string | ContentPart[] | null;
  name?: string;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
  reasoning_content?: string | null;
  refusal?: string | null;
}

export interface FunctionTool {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean | null };
}

export type ToolChoice = "auto" | "none" | "required" | { type: "function"; function: { name: string } };

export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | {
      type: "json_schema";
      json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean | null };
    };

/** OpenAI's web search options; OCI's `webSearchOptions` (docs/oci-wire.md#newer-generic-fields). */
export interface WebSearchOptions {
  search_context_size?: "low" | "medium" | "high";
  user_location?: {
    type: "approximate";
    approximate: { city?: string; country?: string; region?: string; timezone?: string };
  } | null;
}

/** OpenAI's predicted output: text the answer is expected to repeat, which speeds it up. */
export interface Prediction {
  type: "content";
  content: string | Array<{ type: "text"; text: string }>;
}

export interface ChatRequest {
  messages: ChatMessage[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  n?: number;
  stop?: string | string[] | null;
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  frequency_penalty?: number;
  presence_penalty?: number;
  seed?: number;
  logit_bias?: Record<string, number>;
  user?: string;
  tools?: FunctionTool[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: ResponseFormat;
  reasoning_effort?: string;
  /**
   * An effort the client would like rather than demands (the Responses API's `reasoning.effort`,
   * Anthropic's thinking and `output_config.effort`, which coding agents send on every turn):
   * used where the model format takes an effort, left out where it does not (COHERE), so those
   * clients work on every model. `reasoning_effort` wins when both are set.
   */
  preferred_reasoning_effort?: string;
  verbosity?: string;
  logprobs?: boolean | null;
  top_logprobs?: number;
  web_search_options?: WebSearchOptions;
  prediction?: Prediction | null;
  /** OpenAI's words (`auto`, `default`, `priority`); a tier OCI does not offer is a 400. */
  service_tier?: string | null;
  /** Up to 16 string values under keys of at most 64 characters (checked by the formats). */
  metadata?: Record<string, unknown> | null;
}

/**
 * Which agent conversation a turn belongs to: one the gateway manages for `channel:cuid`, or an
 * OCI session the client names.
 */
export type Conversation = { kind: "auto"; channel: string; cuid: string } | { kind: "manual"; sessionId: string };

/** One call into the core. */
export interface ChatCall {
  alias: ModelAlias;
  request: ChatRequest;
  requestId: string;
  signal: AbortSignal;
  /** The caller's API-key namespace: uploaded files and agent sessions belong to it. */
  owner: string;
  /** Which agent conversation: required for agent aliases, ignored for models. */
  conversation?: Conversation;
  /** Filled for a pool alias: which member answered and which were tried (the request's state). */
  trace?: PoolTrace;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** Token counts as OCI reports them; each family renames them (prompt_tokens, input_tokens, …). */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** Counted by the gateway, not OCI: the client left a stream before OCI reported its usage. */
  estimated?: boolean;
  cachedInputTokens?: number;
  reasoningTokens?: number;
  acceptedPredictionTokens?: number;
}

export interface LogprobToken {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] | null }>;
}

/** What an agent turn adds to an answer: its session and the sources it cited. */
export interface AgentTurn {
  sessionId: string;
  /** `channel:cuid` as the client gave it, for automatically managed sessions. */
  sessionKey?: string;
  /** Whether an existing session answered (false: a new one was opened for this turn). */
  reused?: boolean;
  citations: unknown[];
  timeCreated: string;
}

export interface AnswerChoice {
  index: number;
  /** Undefined when the model said nothing (a turn of tool calls only). */
  text?: string;
  reasoning?: string;
  refusal?: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  logprobs?: LogprobToken[];
}

export interface ChatAnswer {
  choices: AnswerChoice[];
  usage?: TokenUsage;
  /** The tier OCI says served the answer, in OpenAI's lower case (`default`, `priority`). */
  serviceTier?: string;
  agent?: AgentTurn;
}

/**
 * One step of a streamed answer, in the order the model produced it. A tool call opens with
 * `tool_call` (id and name known) and may grow with `tool_arguments`; `usage` and `agent` come
 * once, before the stream ends.
 */
export type ChatEvent =
  | { type: "text"; choice: number; text: string; logprobs?: LogprobToken[] }
  | { type: "reasoning"; choice: number; text: string }
  | { type: "tool_call"; choice: number; index: number; id: string; name: string; arguments: string }
  | { type: "tool_arguments"; choice: number; index: number; arguments: string }
  | { type: "finish"; choice: number; reason: FinishReason }
  | { type: "usage"; usage: TokenUsage }
  | { type: "agent"; agent: AgentTurn };
