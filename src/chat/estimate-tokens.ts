import type { ChatRequest } from "./types";

/** Characters per token in the estimate: about right for English text and code with most tokenizers. */
export const CHARS_PER_TOKEN = 4;
/** An image whose size is unknown here (a URL, a file id) counts as this many tokens. */
const IMAGE_TOKENS = 1000;
/** Per message, for the role and the separators a chat template adds. */
const MESSAGE_OVERHEAD_TOKENS = 4;

/**
 * An estimate of the input tokens a request costs: OCI has no tokenizer endpoint, so this counts
 * characters (text, tool calls, tool definitions) at four per token, plus a fixed cost per message
 * and per image (docs/api/anthropic.md#count-tokens). Deterministic, and cheap enough to run on
 * every request.
 */
export function estimateInputTokens(req: ChatRequest): number {
  let chars = 0;
  let tokens = 0;
  for (const m of req.messages) {
    tokens += MESSAGE_OVERHEAD_TOKENS;
    if (typeof m.content === "string") chars += m.content.length;
    else if (Array.isArray(m.content))
      for (const p of m.content) {
        if (p.type === "text") chars += p.text.length;
        else tokens += IMAGE_TOKENS;
      }
    for (const c of m.tool_calls ?? []) chars += c.function.name.length + c.function.arguments.length;
  }
  if (req.tools?.length) chars += JSON.stringify(req.tools).length;
  return tokens + Math.ceil(chars / CHARS_PER_TOKEN);
}
