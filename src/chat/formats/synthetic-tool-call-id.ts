import { sha256Hex } from "../../lib/sha256";

/**
 * Cohere's v1 format has no tool-call ids. OpenAI clients need one to answer a call, so we derive
 * it from what identifies the call (position, name, arguments): the same call always gets the
 * same id, and the id round-trips because the client sends the assistant message back with it.
 */
export function syntheticToolCallId(index: number, name: string, args: string): string {
  return `call_${sha256Hex(`${index}\u0000${name}\u0000${args}`).slice(0, 24)}`;
}
