import { LOCAL_OWNER } from "../agents/session-key";
import type { Caller } from "../chat/chat-service";
import { requestInfo } from "./request-info";

const DEFAULT_CHANNEL = "openai-v1";

/**
 * The caller of an OpenAI route, for agent sessions: the API-key namespace; `X-Channel`
 * (default `openai-v1`); `X-Cuid`, else the body's `user`, else the caller's key id.
 */
export function callerOf(request: Request, user: string | undefined): Caller {
  const keyId = requestInfo(request).keyId;
  const header = (name: string) => {
    const v = request.headers.get(name)?.trim();
    return v ? v.slice(0, 256) : undefined;
  };
  return {
    owner: keyId ?? LOCAL_OWNER,
    channel: header("x-channel") ?? DEFAULT_CHANNEL,
    cuid: header("x-cuid") ?? (user?.trim() || (keyId ? `key-${keyId}` : "anonymous")),
  };
}

/** The API-key namespace alone, for the direct routes. */
export function ownerOf(request: Request): string {
  return requestInfo(request).keyId ?? LOCAL_OWNER;
}
