import { type Static, type TSchema, t } from "elysia";
import { Int } from "../../http/int-schema";
import { OpenObject } from "../../http/open-object";

/**
 * Request schemas of the OpenAI routes. Ranges live here, so a bad value is rejected by Elysia's
 * validator and reported by the errors plugin as a 400 naming the parameter. Unknown fields are
 * stripped (normalised away), never forwarded to OCI.
 */

/** Caps beyond the 10 MB body limit: a conversation this long is a client bug, not a chat. */
export const MAX_MESSAGES = 2048;
const MAX_TEXT = 4 * 1024 * 1024;

const TextPart = t.Object({ type: t.Literal("text"), text: t.String({ maxLength: MAX_TEXT }) });
const ImagePart = t.Object({
  type: t.Literal("image_url"),
  image_url: t.Object({
    url: t.String({ minLength: 1 }),
    detail: t.Optional(t.Union([t.Literal("auto"), t.Literal("low"), t.Literal("high")])),
  }),
});
/** OpenAI's file part: an uploaded file by id, or inline data (`data:<mime>;base64,...`). */
const FilePart = t.Object({
  type: t.Literal("file"),
  file: t.Object({
    file_id: t.Optional(t.String({ minLength: 1 })),
    file_data: t.Optional(t.String({ minLength: 1 })),
    filename: t.Optional(t.String()),
  }),
});
/**
 * OpenAI's audio part: bare base64 audio and its format (sent to OCI as a data URL). The format
 * is checked by the chat core: inside the content union a schema error could only name the content.
 */
const InputAudioPart = t.Object({
  type: t.Literal("input_audio"),
  input_audio: t.Object({ data: t.String({ minLength: 1 }), format: t.String() }),
});
export const ContentPart = t.Union([TextPart, ImagePart, FilePart, InputAudioPart]);
const Content = t.Union([t.String({ maxLength: MAX_TEXT }), t.Array(ContentPart, { maxItems: 256 })]);

const ToolCall = t.Object({
  id: t.String({ minLength: 1 }),
  type: t.Optional(t.Literal("function")),
  function: t.Object({ name: t.String({ minLength: 1 }), arguments: t.String() }),
});

export const ChatMessage = t.Object({
  role: t.Union([
    t.Literal("system"),
    t.Literal("developer"),
    t.Literal("user"),
    t.Literal("assistant"),
    t.Literal("tool"),
  ]),
  content: t.Optional(t.Union([Content, t.Null()])),
  name: t.Optional(t.String()),
  tool_calls: t.Optional(t.Array(ToolCall)),
  tool_call_id: t.Optional(t.String()),
  reasoning_content: t.Optional(t.Union([t.String(), t.Null()])),
  refusal: t.Optional(t.Union([t.String(), t.Null()])),
});

const FunctionTool = t.Object({
  type: t.Literal("function"),
  function: t.Object({
    name: t.String({ minLength: 1, maxLength: 64, pattern: "^[a-zA-Z0-9_-]+$" }),
    description: t.Optional(t.String()),
    parameters: t.Optional(OpenObject()),
    strict: t.Optional(t.Union([t.Boolean(), t.Null()])),
  }),
});

const ToolChoice = t.Union([
  t.Literal("auto"),
  t.Literal("none"),
  t.Literal("required"),
  t.Object({ type: t.Literal("function"), function: t.Object({ name: t.String({ minLength: 1 }) }) }),
]);

const ResponseFormat = t.Union([
  t.Object({ type: t.Literal("text") }),
  t.Object({ type: t.Literal("json_object") }),
  t.Object({
    type: t.Literal("json_schema"),
    json_schema: t.Object({
      name: t.String({ minLength: 1 }),
      description: t.Optional(t.String()),
      schema: t.Optional(OpenObject()),
      strict: t.Optional(t.Union([t.Boolean(), t.Null()])),
    }),
  }),
]);

const WebSearchOptions = t.Object({
  search_context_size: t.Optional(t.Union([t.Literal("low"), t.Literal("medium"), t.Literal("high")])),
  user_location: t.Optional(
    t.Union(
      [
        t.Object({
          type: t.Literal("approximate"),
          approximate: t.Object({
            city: t.Optional(t.String()),
            country: t.Optional(t.String({ pattern: "^[A-Za-z]{2}$" })),
            region: t.Optional(t.String()),
            timezone: t.Optional(t.String()),
          }),
        }),
        t.Null(),
      ],
      {
        error:
          'expected null or {"type": "approximate", "approximate": {city?, country? (two-letter ISO code), region?, timezone?}}',
      },
    ),
  ),
});

/** Predicted output: the text the answer is expected to repeat (OCI's `prediction`). */
const Prediction = t.Object({
  type: t.Literal("content"),
  content: t.Union([t.String({ maxLength: MAX_TEXT }), t.Array(TextPart, { maxItems: 256 })]),
});

const Stop = t.Union([t.String(), t.Array(t.String(), { maxItems: 16 })]);
const StreamOptions = t.Object({ include_usage: t.Optional(t.Boolean()) });

/**
 * A field OpenAI's API takes as `null` too (its SDKs' types say so, and clients send it: the AI
 * SDK sends `reasoning_effort: null`); null means "not set", and the routes drop it
 * (`lib/without-nulls.ts`) before the chat core sees the request.
 */
const nullable = <T extends TSchema>(s: T) => t.Optional(t.Union([s, t.Null()]));

/** Sampling parameters shared by chat and text completions. */
const sampling = {
  temperature: nullable(t.Number({ minimum: 0, maximum: 2 })),
  top_p: nullable(t.Number({ minimum: 0, maximum: 1 })),
  top_k: nullable(Int({ minimum: -1 })),
  max_tokens: nullable(Int({ minimum: 1 })),
  n: nullable(Int({ minimum: 1, maximum: 16 })),
  stop: t.Optional(t.Union([Stop, t.Null()])),
  stream: nullable(t.Boolean()),
  stream_options: t.Optional(t.Union([StreamOptions, t.Null()])),
  frequency_penalty: nullable(t.Number({ minimum: -2, maximum: 2 })),
  presence_penalty: nullable(t.Number({ minimum: -2, maximum: 2 })),
  seed: nullable(Int()),
  logit_bias: nullable(t.Record(t.String(), t.Number({ minimum: -100, maximum: 100 }))),
  user: t.Optional(t.String()),
};

export const ChatCompletionRequest = t.Object({
  model: t.Optional(t.String()),
  messages: t.Array(ChatMessage, { minItems: 1, maxItems: MAX_MESSAGES }),
  max_completion_tokens: nullable(Int({ minimum: 1 })),
  tools: t.Optional(t.Array(FunctionTool, { maxItems: 128 })),
  tool_choice: t.Optional(ToolChoice),
  parallel_tool_calls: t.Optional(t.Boolean()),
  response_format: t.Optional(ResponseFormat),
  reasoning_effort: nullable(t.String()),
  verbosity: nullable(t.String()),
  logprobs: t.Optional(t.Union([t.Boolean(), t.Null()])),
  top_logprobs: nullable(Int({ minimum: 0, maximum: 20 })),
  web_search_options: t.Optional(WebSearchOptions),
  prediction: t.Optional(
    t.Union([Prediction, t.Null()], {
      error: 'expected null or {"type": "content", "content": a string or a list of text parts}',
    }),
  ),
  /** `auto`, `default` or `priority`; checked by the chat core, which knows what OCI offers. */
  service_tier: t.Optional(t.Union([t.String(), t.Null()], { error: "expected auto, default, priority or null" })),
  /** Key-value pairs, checked by the chat core against OCI's limits (an open object keeps cleaning cheap). */
  metadata: t.Optional(t.Union([OpenObject(), t.Null()])),
  /** Declared to be refused by name (families/openai/refuse-unsupported.ts), not cleaned away unseen. */
  functions: t.Optional(t.Unknown()),
  function_call: t.Optional(t.Unknown()),
  modalities: t.Optional(t.Unknown()),
  audio: t.Optional(t.Unknown()),
  ...sampling,
});

export const CompletionRequest = t.Object({
  model: t.Optional(t.String()),
  prompt: t.Union([t.String(), t.Array(t.String(), { minItems: 1 })]),
  suffix: t.Optional(t.Union([t.String(), t.Null()])),
  echo: t.Optional(t.Boolean()),
  ...sampling,
});

export type ChatCompletionRequest = Static<typeof ChatCompletionRequest>;
export type ChatMessage = Static<typeof ChatMessage>;
export type ContentPart = Static<typeof ContentPart>;
export type CompletionRequest = Static<typeof CompletionRequest>;

export const AliasParam = t.Object({ alias: t.String() });
