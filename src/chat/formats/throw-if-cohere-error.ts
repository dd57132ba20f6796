import { UpstreamError } from "../../errors/upstream-error";
import { optString, type Rec } from "../../oci/reply-shapes";

/** Cohere reports a failed generation inside a 200 answer, as finishReason ERROR. */
export function throwIfCohereError(res: Rec): void {
  if (res.finishReason === "ERROR")
    throw new UpstreamError("bad_response", `Cohere reported an error: ${optString(res.errorMessage) ?? "no message"}`);
}
