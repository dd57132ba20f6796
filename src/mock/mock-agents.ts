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
    const session = details.sessionId ? this.find(endpointId, details.sessionId) : undefined;
    const firstTurn = (session?.turns ?? 0) === 0;
    if (session) session.turns++;
    const outputs = (details.performedActions ?? [])
      .map((a) => (a as { functionCallOutput?: string }).functionCallOutput ?? "")
      .filter(Boolean);
    const message = details.userMessage ?? "";
    // The gateway sends earlier turns only on a session's first turn; later ones are the newest message whole.
    const said = outputs.length ? `tool results ${outputs.join("; ")}` : firstTurn ? newestText(message) : message;
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

const TURN = "(?:system|developer|user|assistant|tool): ";
const STARTS_WITH_TURN = new RegExp(`^${TURN}`);
const HOLDS_TURN = new RegExp(`\n${TURN}`);

/**
 * The newest user text of a session's first turn. The gateway sends the earlier turns first
 * (agents/agent-input.ts): one `role: text` line each, joined by single newlines, then a blank
 * line and the newest message — which may hold blank lines itself, or start with `user: `. So,
 * split at blank lines, the context runs up to the last block in which an earlier turn begins,
 * and every block after it is the newest message. A turn begins at the very start, or after a
 * single newline: a block that starts with `user: ` after a blank line is message text. The
 * text alone cannot tell two cases apart from these: the last earlier turn holding a blank line
 * (its later paragraphs are taken for the newest message), and a conversation without earlier
 * turns whose only message opens with `role: ` and holds a blank line (its first block is taken
 * for context).
 */
function newestText(userMessage: string): string {
  if (!STARTS_WITH_TURN.test(userMessage)) return userMessage;
  const blocks = userMessage.split("\n\n");
  if (blocks.length < 2) return userMessage;
  let last = 0;
  for (let i = 1; i < blocks.length - 1; i++) if (HOLDS_TURN.test(blocks[i]!)) last = i;
  return blocks.slice(last + 1).join("\n\n");
}
