import type { SimulatedAnswer } from "./simulate";

/**
 * A non-streamed GENERIC `chatResponse` in OCI's wire shape. TEST_MODE answers with it, and the
 * tests' fake OCI scripts its answers with it, so both speak the shape the gateway reads.
 */
export function genericChatResponse(
  a: Pick<SimulatedAnswer, "text" | "toolCalls" | "finishReason" | "serviceTier"> &
    Partial<Pick<SimulatedAnswer, "generations">>,
  usage: { promptTokens: number; completionTokens: number; totalTokens: number },
) {
  return {
    apiFormat: "GENERIC",
    // OCI names the tier that served the request beside the choices (docs/oci-wire.md#generic-response).
    ...(a.serviceTier ? { serviceTier: a.serviceTier } : {}),
    timeCreated: new Date().toISOString(),
    // One choice per generation asked for (`numGenerations`), each with its index.
    choices: Array.from({ length: a.generations ?? 1 }, (_, index) => ({
      index,
      message: {
        role: "ASSISTANT",
        content: a.text ? [{ type: "TEXT", text: a.text }] : [],
        toolCalls: a.toolCalls.map((c) => ({ id: c.id, type: "FUNCTION", name: c.name, arguments: c.arguments })),
      },
      finishReason: a.finishReason,
    })),
    usage,
  };
}
