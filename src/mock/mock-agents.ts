import { UpstreamError } from "../errors/upstream-error";
import type { AgentChatDetails } from "../oci/wire";
import { wordCount } from "./simulate";

interface MockSession {
  id: string;
  endpointId: string;
  displayName?: string;
  description?: string;
  timeCreated: string;
  turns: number;
}

const PIECES = 5;

/**
 * TEST_MODE's agent runtime: real session bookkeeping (create, get, delete; chat on an unknown
 * session is OCI's 404), so the gateway's session manager runs exactly as against OCI.
 */
export class MockAgents {
  private readonly sessions = new Map<string, MockSession>();
  private counter = 0;

  create(endpointId: string, displayName?: string, description?: string) {
    const now = new Date().toISOString();
    const s: MockSession = {
      id: `ocid1.genaiagentsession.oc1.testmode.${(++this.counter).toString(36)}${Date.now().toString(36)}`,
      endpointId,
      displayName,
      description,
      timeCreated: now,
      turns: 0,
    };
    this.sessions.set(s.id, s);
    return this.view(s);
  }

  get(endpointId: string, sessionId: string) {
    return this.view(this.find(endpointId, sessionId));
  }

  delete(endpointId: string, sessionId: string): void {
    this.find(endpointId, sessionId);
    this.sessions.delete(sessionId);
  }

  chat(endpointId: string, details: AgentChatDetails) {
    if (details.sessionId) this.find(endpointId, details.sessionId).turns++;
    const outputs = (details.performedActions ?? [])
      .map((a) => (a as { functionCallOutput?: string }).functionCallOutput ?? "")
      .filter(Boolean);
    const said = outputs.length ? `tool results ${outputs.join("; ")}` : newestText(details.userMessage ?? "");
    const text = `[TEST_MODE] Simulated response to: ${said}`;
    const words = text.split(/(?<=\s)/);
    const size = Math.max(1, Math.ceil(words.length / PIECES));
    const pieces: string[] = [];
    for (let i = 0; i < words.length; i += size) pieces.push(words.slice(i, i + size).join(""));
    const final = {
      message: { role: "AGENT", content: { text, citations: [] }, timeCreated: new Date().toISOString() },
      // Agents report their model's tokens in a generation trace (docs/oci-wire.md); counted here
      // as the simulated models count them (a token a word), so agent answers carry usage too.
      traces: [
        {
          traceType: "GENERATION_TRACE",
          usage: [
            {
              modelDetails: { modelName: "test-mode" },
              usageDetails: {
                inputTokenCount: Math.max(1, wordCount(details.userMessage ?? "") + wordCount(outputs.join(" "))),
                outputTokenCount: wordCount(text),
              },
            },
          ],
        },
      ],
    };
    return { pieces, final };
  }

  private find(endpointId: string, sessionId: string): MockSession {
    const s = this.sessions.get(sessionId);
    if (!s || s.endpointId !== endpointId) {
      throw new UpstreamError("http", "Authorization failed or requested resource not found.", {
        status: 404,
        code: "NotAuthorizedOrNotFound",
      });
    }
    return s;
  }

  private view(s: MockSession) {
    return {
      id: s.id,
      displayName: s.displayName,
      description: s.description,
      welcomeMessage: "[TEST_MODE] Hi, how can I help?",
      timeCreated: s.timeCreated,
      timeUpdated: new Date().toISOString(),
    };
  }
}

/**
 * The newest user text of a turn: on a new session the gateway sends the earlier turns first, as
 * `role: text` lines and a blank line (agents/agent-input.ts); the simulated agent answers the
 * last user text, as the simulated model does.
 */
function newestText(userMessage: string): string {
  const cut = userMessage.lastIndexOf("\n\n");
  if (cut < 0) return userMessage;
  const context = userMessage.slice(0, cut);
  return /^(system|developer|user|assistant|tool): /.test(context) ? userMessage.slice(cut + 2) : userMessage;
}
