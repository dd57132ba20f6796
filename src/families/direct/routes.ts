import { Elysia, t } from "elysia";
import { findAlias } from "../../config/find-alias";
import type { ConfigStore } from "../../config/store";
import type { transport as transportPlugin } from "../../http/plugins/transport";
import { requestInfo } from "../../http/request-info";
import { lift, respond, type StreamContext } from "../../http/respond";
import { InferenceRequest } from "./inference";
import { runDirectInference } from "./inference-service";

/**
 * The seed's direct routes (errors as `{"error": "..."}`): `/genai/{alias}/inference` runs one
 * prompt through the model; with `stream: true` it answers `{"delta"}` events, then the whole
 * `{"response", "usage"}`, then `[DONE]`.
 */
export function directRoutes(store: ConfigStore, oci: ReturnType<typeof transportPlugin>, opts: StreamContext) {
  return new Elysia({ name: "routes-direct" }).use(oci).post(
    "/genai/:alias/inference",
    async ({ body, params, request, set, server, transport }) => {
      lift(server, request);
      const alias = findAlias(store.current, params.alias);
      requestInfo(request).alias = alias.alias;
      const outcome = await runDirectInference(transport, {
        alias,
        request: body,
        requestId: requestInfo(request).id,
        signal: request.signal,
      });
      return respond(outcome, request, set, { ...opts, family: "direct" });
    },
    {
      params: t.Object({ alias: t.String() }),
      body: InferenceRequest,
      parse: "json",
      detail: { summary: "Direct inference with a prompt (seed shape); `stream: true` answers SSE", tags: ["direct"] },
    },
  );
}
