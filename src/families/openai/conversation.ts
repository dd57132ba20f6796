import type { Conversation } from "../../chat/types";

const DEFAULT_CHANNEL = "openai-v1";

/**
 * The agent conversation of an OpenAI-family request: `X-Channel` (default `openai-v1`) and `X-Cuid`, else the body's `user`, else the key's id.
 */
export function openAiConversation(
  keyId: string | undefined,
  headers: Headers,
  user: string | undefined,
): Conversation {
  const header = (name: string) => {
    const v = headers.get(name)?.trim();
    return v ? v.slice(0, 256) : undefined;
  };
  return {
    kind: "auto",
    channel: header("x-channel") ?? DEFAULT_CHANNEL,
    cuid: header("x-cuid") ?? (user?.trim() || (keyId ? `key-${keyId}` : "anonymous")),
  };
}
