/**
 * OCI wire types, taken from the SDK packages (types only: nothing of the SDK runs). Routes and
 * translation use these names so a field rename in the SDK shows up as a compile error.
 */

import type { models as agents } from "oci-generativeaiagentruntime";
import type { models as inference } from "oci-generativeaiinference";

export type ChatDetails = inference.ChatDetails;
export type GenericChatRequest = inference.GenericChatRequest;
export type CohereChatRequest = inference.CohereChatRequest;
export type OciMessage = inference.Message;
export type OciChatContent = inference.ChatContent;
export type ReasoningEffort = inference.GenericChatRequest.ReasoningEffort;
export type Verbosity = inference.GenericChatRequest.Verbosity;
export type ImageDetail = inference.ImageUrl.Detail;
export type ChatResult = inference.ChatResult;
export type EmbedTextDetails = inference.EmbedTextDetails;
export type RerankTextDetails = inference.RerankTextDetails;
export type RerankTextResult = inference.RerankTextResult;
export type ApplyGuardrailsDetails = inference.ApplyGuardrailsDetails;
export type ApplyGuardrailsResult = inference.ApplyGuardrailsResult;
export type CohereChatRequestV2 = inference.CohereChatRequestV2;
export type CohereMessage = inference.CohereMessage;
export type CohereToolResult = inference.CohereToolResult;
export type CohereParameterDefinition = inference.CohereParameterDefinition;
export type CohereMessageV2 = inference.CohereMessageV2;

/** Agent runtime (API 20240531). */
export type AgentChatDetails = agents.ChatDetails;
export type AgentCreateSessionDetails = agents.CreateSessionDetails & {
  /** Not in the SDK model; OCI passes it through (docs/oci-wire.md#agent-sessions). Sessions live as long as our TTL. */
  idleTimeoutInSeconds?: number;
};
