/** A transport for unit tests: the methods a test gives, and a loud failure for any other call. */
import type { OciTransport } from "../../src/oci/transport";

const METHODS = [
  "chat",
  "chatStream",
  "embedText",
  "getModel",
  "createSession",
  "getSession",
  "deleteSession",
  "agentChat",
  "agentChatStream",
] as const;

export function stubTransport(methods: Partial<Omit<OciTransport, "kind">>): OciTransport {
  const t: Record<string, unknown> = { kind: "mock" };
  for (const m of METHODS)
    t[m] = methods[m] ?? (() => Promise.reject(new Error(`${m} must not be called in this test`)));
  return t as unknown as OciTransport;
}
