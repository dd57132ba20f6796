/**
 * The fake's rerankText and applyGuardrails (docs/oci-wire.md#rerank-and-guardrails): OCI's answer
 * shapes, with the same deterministic scores TEST_MODE gives, and OCI's 400s for the inputs OCI
 * refuses (no documents, no guardrail asked for).
 */
import { simulateGuardrails } from "../../../src/mock/simulate-guardrails";
import { simulateRerank } from "../../../src/mock/simulate-rerank";
import { ociError } from "./defaults";
import type { FakeReply } from "./types";

type Json = Record<string, unknown>;

const isJson = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function defaultRerank(body: unknown): FakeReply {
  if (!isJson(body) || typeof body.input !== "string" || typeof body.compartmentId !== "string")
    return ociError(400, "InvalidParameter", "input and compartmentId are required");
  const docs = body.documents;
  if (!Array.isArray(docs) || docs.length === 0 || !docs.every((d) => typeof d === "string"))
    return ociError(400, "InvalidParameter", "documents must be a non-empty list of strings");
  const serving = body.servingMode as { modelId?: string; endpointId?: string } | undefined;
  const modelId = serving?.modelId ?? serving?.endpointId ?? "";
  if (!/rerank/.test(modelId) && !serving?.endpointId)
    return ociError(400, "InvalidParameter", `model ${modelId} does not support rerank`);
  return {
    json: simulateRerank(body.input, docs as string[], {
      topN: typeof body.topN === "number" ? body.topN : undefined,
      isEcho: body.isEcho === true,
      modelId,
      id: `fake-rerank-${crypto.randomUUID()}`,
    }),
  };
}

export function defaultGuardrails(body: unknown): FakeReply {
  if (!isJson(body) || typeof body.compartmentId !== "string" || !isJson(body.guardrailConfigs))
    return ociError(400, "InvalidParameter", "compartmentId and guardrailConfigs are required");
  const input = body.input as { type?: unknown; content?: unknown } | undefined;
  if (!isJson(input) || input.type !== "TEXT" || typeof input.content !== "string")
    return ociError(400, "InvalidParameter", "input must be {type: TEXT, content}");
  const c = body.guardrailConfigs;
  const cm = c.contentModerationConfig as { categories?: unknown } | undefined;
  const pii = c.personallyIdentifiableInformationConfig as { types?: unknown } | undefined;
  if (!cm && !pii && !c.promptInjectionConfig)
    return ociError(400, "InvalidParameter", "at least one guardrail must be configured");
  return {
    json: {
      results: simulateGuardrails(input.content, {
        contentModeration: cm !== undefined,
        pii: pii ? (Array.isArray(pii.types) ? (pii.types as string[]) : []) : undefined,
        promptInjection: c.promptInjectionConfig !== undefined,
      }),
      guardrailVersion: { version: "1.0.1" },
    },
  };
}
