import { Elysia } from "elysia";
import { ApiError } from "../../errors/api-error";
import { requestInfo, whenFinished } from "../request-info";

/** Routes that cost OCI work: chat, completions, embeddings, inference, agent chat. */
const COSTLY =
  /^\/(v1\/(chat\/completions|completions|embeddings)|genai\/[^/]+\/(v1\/(chat\/completions|completions|embeddings)|inference|chat))$/;

/**
 * MAX_CONCURRENT_PER_KEY: at most that many costly calls in flight per API key; one more is a 429
 * at once (not queued). A slot is held until the answer is over — for a stream, until it closes.
 */
export function concurrency(o: { perKey: number }) {
  const inFlight = new Map<string, number>();
  const release = (key: string) => {
    const n = (inFlight.get(key) ?? 1) - 1;
    if (n <= 0) inFlight.delete(key);
    else inFlight.set(key, n);
  };
  const app = new Elysia({ name: "concurrency" });
  if (o.perKey <= 0) return app;
  return app
    .onRequest(({ request }) => {
      if (request.method !== "POST" || !COSTLY.test(new URL(request.url).pathname)) return;
      const info = requestInfo(request);
      const key = info.keyId ?? "local";
      const n = inFlight.get(key) ?? 0;
      if (n >= o.perKey) {
        throw new ApiError(429, `Too many requests in flight for this API key (limit ${o.perKey})`, {
          type: "rate_limit_error",
          code: "concurrency_limit",
          headers: { "retry-after": "1" },
        });
      }
      inFlight.set(key, n + 1);
      info.releaseSlot = () => release(key);
    })
    .onAfterResponse(({ request }) => {
      const info = requestInfo(request);
      if (!info.releaseSlot) return;
      const free = info.releaseSlot;
      info.releaseSlot = undefined;
      whenFinished(info, free);
    })
    .as("global");
}
