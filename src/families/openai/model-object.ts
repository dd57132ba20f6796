import { t } from "elysia";
import type { ModelAlias } from "../../config/types";
import type { ModelObject } from "./types";

export const ModelObjectSchema = t.Object({
  id: t.String(),
  object: t.Literal("model"),
  created: t.Number(),
  owned_by: t.String(),
  type: t.Union([t.Literal("model"), t.Literal("agent"), t.Literal("pool")]),
  region: t.String(),
  description: t.Optional(t.String()),
  names: t.Optional(t.Array(t.String())),
  members: t.Optional(t.Array(t.String())),
});
export const ModelList = t.Object({ object: t.Literal("list"), data: t.Array(ModelObjectSchema) });

/** An alias as an OpenAI model object, plus its kind, region, extra names and a pool's members. */
export function modelObject(a: ModelAlias, created: number): ModelObject {
  const vendor =
    a.type === "agent"
      ? "oci-genai-agents"
      : a.type === "pool"
        ? "ocigenai-pool"
        : /^[a-z]+\./.test(a.id)
          ? a.id.split(".")[0]!
          : "oci";
  return {
    id: a.alias,
    object: "model",
    created,
    owned_by: vendor,
    type: a.type,
    region: a.region,
    ...(a.description ? { description: a.description } : {}),
    ...(a.names ? { names: [...a.names] } : {}),
    ...(a.pool ? { members: [...a.pool.members] } : {}),
  };
}
