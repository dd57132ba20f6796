import { type Static, t } from "elysia";
import { Int } from "../../http/int-schema";
import { OpenObject } from "../../http/open-object";

/**
 * The Responses API request (docs/api/responses.md). Top-level fields are checked here, so a bad
 * value is a 400 naming it; `input` items and `tools` are open objects checked by the converter,
 * which knows each item and tool type and names `input[3].content[0].image_url` precisely. Unknown
 * top-level fields (`client_metadata`, …) are dropped.
 */

const Item = OpenObject();

const TextFormat = t.Union([
  t.Object({ type: t.Literal("text") }),
  t.Object({ type: t.Literal("json_object") }),
  t.Object({
    type: t.Literal("json_schema"),
    name: t.String({ minLength: 1 }),
    schema: OpenObject(),
    description: t.Optional(t.String()),
    strict: t.Optional(t.Union([t.Boolean(), t.Null()])),
  }),
]);

const ToolChoice = t.Union([
  t.Literal("auto"),
  t.Literal("none"),
  t.Literal("required"),
  t.Object(
    {
      type: t.String({ minLength: 1 }),
      name: t.Optional(t.String()),
      namespace: t.Optional(t.String()),
      /** `allowed_tools`: which of the offered tools, and auto or required. */
      mode: t.Optional(t.String()),
      tools: t.Optional(t.Array(OpenObject())),
    },
    { additionalProperties: true },
  ),
]);

const nullable = <T extends Parameters<typeof t.Optional>[0]>(s: T) => t.Optional(t.Union([s, t.Null()]));

export const ResponsesRequest = t.Object({
  model: t.Optional(t.String()),
  input: t.Union([t.String(), t.Array(Item, { maxItems: 4096 })]),
  instructions: nullable(t.String()),
  previous_response_id: nullable(t.String({ minLength: 1, maxLength: 256 })),
  store: nullable(t.Boolean()),
  stream: nullable(t.Boolean()),
  background: nullable(t.Boolean()),
  tools: t.Optional(t.Array(Item, { maxItems: 512 })),
  tool_choice: t.Optional(ToolChoice),
  parallel_tool_calls: nullable(t.Boolean()),
  max_output_tokens: nullable(Int({ minimum: 1 })),
  max_tool_calls: nullable(Int({ minimum: 1 })),
  temperature: nullable(t.Number({ minimum: 0, maximum: 2 })),
  top_p: nullable(t.Number({ minimum: 0, maximum: 1 })),
  top_logprobs: nullable(Int({ minimum: 0, maximum: 20 })),
  text: t.Optional(
    t.Object({
      format: t.Optional(TextFormat),
      verbosity: nullable(t.Union([t.Literal("low"), t.Literal("medium"), t.Literal("high")])),
    }),
  ),
  reasoning: nullable(
    t.Object({
      effort: nullable(
        t.Union([
          t.Literal("none"),
          t.Literal("minimal"),
          t.Literal("low"),
          t.Literal("medium"),
          t.Literal("high"),
          t.Literal("xhigh"),
        ]),
      ),
      summary: nullable(t.String()),
      generate_summary: nullable(t.String()),
    }),
  ),
  metadata: nullable(t.Record(t.String(), t.String({ maxLength: 512 }), { maxProperties: 16 })),
  user: t.Optional(t.String({ maxLength: 256 })),
  safety_identifier: t.Optional(t.String({ maxLength: 256 })),
  prompt_cache_key: t.Optional(t.String()),
  include: nullable(t.Array(t.String())),
  truncation: nullable(t.Union([t.Literal("auto"), t.Literal("disabled")])),
  service_tier: nullable(t.String()),
});

export type ResponsesRequest = Static<typeof ResponsesRequest>;

export const ResponseIdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 256 }) });
export const AliasResponseIdParams = t.Object({ alias: t.String(), id: t.String({ minLength: 1, maxLength: 256 }) });

export const InputItemsQuery = t.Object({
  order: t.Optional(t.Union([t.Literal("asc"), t.Literal("desc")])),
  // The digits themselves, read as a number by the route: a numeric schema (t.Numeric, or t.Number,
  // which Elysia turns into one for queries) reports 0 or 101 without the parameter's name, and
  // t.Numeric compiles a checker as this module loads (~2 ms of every start).
  limit: t.Optional(
    t.String({ pattern: "^0*(100|[1-9][0-9]?)$", error: "expected an integer ≥ 1 and ≤ 100", examples: ["20"] }),
  ),
  after: t.Optional(t.String()),
  before: t.Optional(t.String()),
  include: t.Optional(t.Union([t.String(), t.Array(t.String())])),
});
