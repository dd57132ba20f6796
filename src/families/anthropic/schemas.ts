import { type Static, t } from "elysia";
import { Int } from "../../http/int-schema";
import { OpenObject } from "../../http/open-object";

/**
 * The Anthropic Messages API request (docs/api/anthropic.md). Top-level fields are checked here,
 * so a wrongly typed one is a 400 naming it; content blocks and tools are open objects checked by
 * the converter, which knows each block type and names `messages[2].content[1].source` precisely.
 * Fields Anthropic accepts and OCI has no use for (`context_management`, `container`,
 * `cache_control` on blocks) are accepted and ignored; unknown ones are dropped.
 */

const Content = t.Union([t.String(), t.Array(OpenObject(), { maxItems: 4096 })]);

const Message = t.Object({
  role: t.Union([t.Literal("user"), t.Literal("assistant"), t.Literal("system")]),
  content: Content,
});

const ToolChoice = t.Object(
  {
    type: t.Union([t.Literal("auto"), t.Literal("any"), t.Literal("tool"), t.Literal("none")]),
    name: t.Optional(t.String({ minLength: 1 })),
    disable_parallel_tool_use: t.Optional(t.Boolean()),
  },
  { additionalProperties: true },
);

const Thinking = t.Object(
  {
    type: t.Union([t.Literal("enabled"), t.Literal("disabled"), t.Literal("adaptive")]),
    budget_tokens: t.Optional(Int({ minimum: 1 })),
  },
  { additionalProperties: true },
);

const OutputConfig = t.Object(
  {
    effort: t.Optional(t.Union([t.Literal("low"), t.Literal("medium"), t.Literal("high"), t.Literal("max"), t.Null()])),
    format: t.Optional(
      t.Union([
        t.Null(),
        t.Object({ type: t.Literal("json_schema"), schema: OpenObject() }, { additionalProperties: true }),
      ]),
    ),
  },
  { additionalProperties: true },
);

/** What the create and count_tokens routes share: the conversation and what the model is offered. */
const conversation = {
  model: t.Optional(t.String()),
  system: t.Optional(t.Union([t.String(), t.Array(OpenObject(), { maxItems: 256 })])),
  messages: t.Array(Message, { maxItems: 100_000 }),
  tools: t.Optional(t.Array(OpenObject(), { maxItems: 512 })),
  tool_choice: t.Optional(ToolChoice),
  thinking: t.Optional(Thinking),
  output_config: t.Optional(OutputConfig),
  mcp_servers: t.Optional(t.Array(OpenObject())),
  context_management: t.Optional(t.Unknown()),
};

export const MessagesRequest = t.Object({
  ...conversation,
  max_tokens: Int({ minimum: 1 }),
  stop_sequences: t.Optional(t.Array(t.String(), { maxItems: 64 })),
  temperature: t.Optional(t.Number({ minimum: 0, maximum: 1 })),
  top_p: t.Optional(t.Number({ minimum: 0, maximum: 1 })),
  top_k: t.Optional(Int({ minimum: 0 })),
  stream: t.Optional(t.Boolean()),
  metadata: t.Optional(
    t.Object(
      { user_id: t.Optional(t.Union([t.String({ maxLength: 512 }), t.Null()])) },
      { additionalProperties: true },
    ),
  ),
  /** `standard_only` asks OCI for its default tier; `auto` is what OCI does anyway (docs/api/anthropic.md). */
  service_tier: t.Optional(t.Union([t.Literal("auto"), t.Literal("standard_only")])),
  container: t.Optional(t.Unknown()),
});

export type MessagesRequest = Static<typeof MessagesRequest>;

export const CountTokensRequest = t.Object(conversation);

export type CountTokensRequest = Static<typeof CountTokensRequest>;
