import { createChatCompletion } from "../../chat/model-chat";
import type { Outcome } from "../../chat/outcome";
import type { ModelAlias } from "../../config/types";
import { ApiError } from "../../errors/api-error";
import type { Logger } from "../../observability/logger";
import type { OciTransport } from "../../oci/transport";
import {
  chatToInferenceResponse,
  type InferenceRequest,
  type InferenceResponse,
  InferenceStreamFolder,
  inferenceToChatRequest,
} from "./inference";

export type InferenceOutcome = Outcome<InferenceResponse, unknown>;

/** `POST /genai/{alias}/inference`: one prompt through the model's chat, in the seed's shapes. */
export async function runDirectInference(
  transport: OciTransport,
  call: { alias: ModelAlias; request: InferenceRequest; requestId: string; signal: AbortSignal; log?: Logger },
): Promise<InferenceOutcome> {
  if (call.alias.type === "agent") {
    throw new ApiError(
      400,
      `Model '${call.alias.alias}' is an agent, not a model. Use /genai/${call.alias.alias}/chat, or type='model' in llm_models.json.`,
      {
        type: "invalid_request_error",
        code: "wrong_alias_type",
      },
    );
  }
  const out = await createChatCompletion(transport, { ...call, request: inferenceToChatRequest(call.request) });
  if (out.kind === "json")
    return { kind: "json", body: chatToInferenceResponse(out.body), ociRequestId: out.ociRequestId };
  const folder = new InferenceStreamFolder();
  async function* events(): AsyncGenerator<unknown> {
    for await (const chunk of out.kind === "stream" ? out.chunks : []) yield* folder.push(chunk);
    yield folder.final();
  }
  return { kind: "stream", chunks: events(), ociRequestId: out.ociRequestId, cancel: out.cancel, usage: out.usage };
}
