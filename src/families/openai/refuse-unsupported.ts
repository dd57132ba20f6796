import { unsupportedParam } from "../../errors/api-error";

/** OpenAI fields that change what the answer is, which no OCI model can do as asked. */
interface Unservable {
  functions?: unknown;
  function_call?: unknown;
  modalities?: unknown;
  audio?: unknown;
}

/**
 * Refuses by name what would otherwise be dropped and answered as if it had been honoured: the
 * deprecated function calling (a forced `function_call` would come back as prose) and spoken
 * answers (OCI's chat models answer in text). Null means not set, as everywhere in this API.
 */
export function refuseUnservable(body: Unservable): void {
  if (body.functions != null)
    throw unsupportedParam("functions", "the deprecated function calling is not served; send 'tools'");
  if (body.function_call != null)
    throw unsupportedParam("function_call", "the deprecated function calling is not served; send 'tool_choice'");
  if (Array.isArray(body.modalities) && body.modalities.includes("audio"))
    throw unsupportedParam("modalities", "OCI's chat models answer in text only");
  if (body.audio != null) throw unsupportedParam("audio", "OCI's chat models answer in text only");
}
