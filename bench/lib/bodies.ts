/** Request bodies (OpenAI chat, Responses, Anthropic Messages) and the mock's answer text, shared by the mock and the clients. */

/** The i-th streamed text delta; the non-streaming answer is the concatenation of n of them. */
export const tokenText = (i: number) => (i === 0 ? "Why" : ` tok${i}`);
export const expectedText = (n: number) => Array.from({ length: n }, (_, i) => tokenText(i)).join("");

/** The bench's two sizes. Small: one user message. Large: ~100 KB of conversation (system + 40 turns of ~2.5 KB). */
export type BodySize = "small" | "large";
/** The same conversation at ~10 KB and ~1 MB too (turns of ~250 bytes and ~25 KB): how cost scales with size. */
export type AnySize = BodySize | "10k" | "1m";
export const SIZES: readonly AnySize[] = ["small", "10k", "large", "1m"];
/** Each turn's paragraph repeats: ~85 bytes a repeat, 40 turns. */
const REPEATS: Record<Exclude<AnySize, "small">, number> = { "10k": 3, large: 30, "1m": 300 };

export function chatBody(size: AnySize, model: string, stream = false): string {
  return JSON.stringify({
    model,
    messages: conversation(size),
    temperature: 0.2,
    max_tokens: 256,
    ...(stream ? { stream: true } : {}),
  });
}

/**
 * The same conversation as a Responses request: the system message as `instructions`, the turns
 * as `{role, content}` items, `store: false` (what Codex sends; the chat arm keeps nothing either)
 * unless `store` (OpenAI's default, what the Agents SDK leaves it at).
 */
export function responsesBody(size: AnySize, model: string, stream = false, store = false): string {
  const [first, ...rest] = conversation(size);
  const system = first?.role === "system";
  return JSON.stringify({
    model,
    ...(system ? { instructions: first.content } : {}),
    input: system ? rest : [first, ...rest],
    temperature: 0.2,
    max_output_tokens: 256,
    store,
    ...(stream ? { stream: true } : {}),
  });
}

/**
 * The same chat request with every sentence on a line of its own, as real prompts and code are:
 * each turn then has ~30 characters JSON must escape (`\n`), which the bench's bodies have none of.
 */
export function chatBodyWithNewlines(size: AnySize, model: string, stream = false): string {
  return chatBody(size, model, stream).replaceAll("request. ", "request.\\n");
}

/** The same conversation as an Anthropic Messages request: the system message as `system`. */
export function messagesBody(size: AnySize, model: string, stream = false): string {
  const [first, ...rest] = conversation(size);
  const system = first?.role === "system";
  return JSON.stringify({
    model,
    ...(system ? { system: first.content } : {}),
    messages: system ? rest : [first, ...rest],
    temperature: 0.2,
    max_tokens: 256,
    ...(stream ? { stream: true } : {}),
  });
}

function conversation(size: AnySize): { role: string; content: string }[] {
  const messages: { role: string; content: string }[] = [];
  if (size === "small") messages.push({ role: "user", content: "Tell me a joke about proxies." });
  else {
    messages.push({ role: "system", content: "You are a careful assistant. ".repeat(20) });
    const para = "The quick brown fox jumps over the lazy dog while the gateway signs every request. ";
    for (let i = 0; i < 40; i++)
      messages.push({ role: i % 2 === 0 ? "user" : "assistant", content: `${i}: ${para.repeat(REPEATS[size])}` });
  }
  return messages;
}

/**
 * The APIs the gateway chats through, as the bench drives them: the path, the body (the same
 * conversation in each shape) and how its stream is read (lib/load.ts's `Dialect`).
 */
export const APIS = {
  chat: { path: "/v1/chat/completions", body: chatBody, dialect: "openai" },
  responses: { path: "/v1/responses", body: responsesBody, dialect: "responses" },
  messages: { path: "/v1/messages", body: messagesBody, dialect: "anthropic" },
} as const;
