/**
 * The fake's rerankText and applyGuardrails (docs/oci-wire.md#rerank-and-guardrails): OCI's answer
 * shapes, with the same deterministic scores TEST_MODE gives, and OCI's 400s for the inputs OCI
 * refuses (no documents, no guardrail asked for).
 */
import { simulateApplyGuardrails } from "../../../src/mock/simulate-guardrails";
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

/** One guardrails input item as the SDK sends it: `{type: TEXT, content}` or `{type: IMAGE, imageUrl: {url}}`. */
function guardrailsItem(v: unknown): boolean {
  if (!isJson(v)) return false;
  if (v.type === "TEXT") return typeof v.content === "string";
  return v.type === "IMAGE" && isJson(v.imageUrl) && typeof v.imageUrl.url === "string";
}

export function defaultGuardrails(body: unknown): FakeReply {
  if (!isJson(body) || typeof body.compartmentId !== "string" || !isJson(body.guardrailConfigs))
    return ociError(400, "InvalidParameter", "compartmentId and guardrailConfigs are required");
  // OCI reads `input` when it is given and ignores `multimodalInput` then.
  if (body.input !== undefined) {
    if (!guardrailsItem(body.input))
      return ociError(400, "InvalidParameter", "input must be {type: TEXT, content} or {type: IMAGE, imageUrl: {url}}");
  } else {
    const items = body.multimodalInput;
    if (!Array.isArray(items) || items.length === 0)
      return ociError(400, "InvalidParameter", "input or a non-empty multimodalInput is required");
    const bad = items.findIndex((item) => !guardrailsItem(item));
    if (bad >= 0)
      return ociError(
        400,
        "InvalidParameter",
        `multimodalInput[${bad}] must be {type: TEXT, content} or {type: IMAGE, imageUrl: {url}}`,
      );
  }
  const c = body.guardrailConfigs;
  if (!c.contentModerationConfig && !c.personallyIdentifiableInformationConfig && !c.promptInjectionConfig)
    return ociError(400, "InvalidParameter", "at least one guardrail must be configured");
  return { json: simulateApplyGuardrails(body as Parameters<typeof simulateApplyGuardrails>[0]) };
}
