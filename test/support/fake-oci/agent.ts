/**
 * Default behaviour of the agent runtime (OCI-WIRE.md §5): sessions kept in memory, chat
 * answers "turn N: <userMessage>" so tests can see whether a session carried over.
 */
import { randomBytes } from "node:crypto";
import { isRecord, type Json, nowIso, ociError, splitWords } from "./defaults";
import type { FakeReply, FakeSession } from "./types";

const NOT_FOUND = "Authorization failed or requested resource not found.";

function notFound(): FakeReply {
  return ociError(404, "NotAuthorizedOrNotFound", NOT_FOUND);
}

/** OCID-looking id: lower-case base32-ish tail like real OCIDs. */
function sessionOcid(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const tail = Array.from(randomBytes(60), (b) => alphabet[b % 32]).join("");
  return `ocid1.genaiagentsession.oc1.us-chicago-1.${tail}`;
}

function sessionShape(s: FakeSession): Json {
  return {
    id: s.id,
    displayName: s.displayName,
    description: s.description,
    welcomeMessage: s.welcomeMessage,
    timeCreated: s.timeCreated,
    timeUpdated: s.timeUpdated,
  };
}

export class AgentRuntime {
  readonly sessions = new Map<string, FakeSession>();
  /** How long a (non-streamed) agent answer takes; while it runs, the session is busy. */
  chatDelayMs = 0;
  /** Requests OCI refused because their session was still answering another one. */
  busyRefusals = 0;
  private readonly busyUntil = new Map<string, number>();

  private find(endpointId: string, sessionId: string): FakeSession | undefined {
    const s = this.sessions.get(sessionId);
    return s && s.agentEndpointId === endpointId ? s : undefined;
  }

  create(endpointId: string, body: unknown): FakeReply {
    const b = isRecord(body) ? body : {};
    const now = nowIso();
    const session: FakeSession = {
      id: sessionOcid(),
      agentEndpointId: endpointId,
      displayName: typeof b.displayName === "string" ? b.displayName : undefined,
      description: typeof b.description === "string" ? b.description : undefined,
      welcomeMessage: "Hi, how can I help?",
      timeCreated: now,
      timeUpdated: now,
      turns: 0,
    };
    this.sessions.set(session.id, session);
    return { json: sessionShape(session), headers: { etag: `"${session.id.slice(-12)}-1"` } };
  }

  get(endpointId: string, sessionId: string): FakeReply {
    const s = this.find(endpointId, sessionId);
    return s ? { json: sessionShape(s) } : notFound();
  }

  update(endpointId: string, sessionId: string, body: unknown): FakeReply {
    const s = this.find(endpointId, sessionId);
    if (!s) return notFound();
    if (isRecord(body)) {
      if (typeof body.displayName === "string") s.displayName = body.displayName;
      if (typeof body.description === "string") s.description = body.description;
    }
    s.timeUpdated = nowIso();
    return { json: sessionShape(s) };
  }

  delete(endpointId: string, sessionId: string): FakeReply {
    if (!this.find(endpointId, sessionId)) return notFound();
    this.sessions.delete(sessionId);
    return { json: undefined, status: 204 };
  }

  chat(endpointId: string, body: unknown, gapMs: number): FakeReply {
    if (!isRecord(body)) return ociError(400, "CannotParseRequest", "Request body is not a JSON object");
    const userMessage = typeof body.userMessage === "string" ? body.userMessage : "";
    let turn = 1; // without a sessionId the agent chats without context
    if (typeof body.sessionId === "string") {
      const s = this.find(endpointId, body.sessionId);
      if (!s) return notFound();
      // One answer at a time per session: a second chat while the first runs is a conflict.
      if ((this.busyUntil.get(s.id) ?? 0) > Date.now()) {
        this.busyRefusals++;
        return ociError(409, "Conflict", "The session is processing another request.");
      }
      turn = ++s.turns;
      s.timeUpdated = nowIso();
      const streamTime = body.shouldStream === true ? splitWords(`turn ${turn}: ${userMessage}`).length * gapMs : 0;
      this.busyUntil.set(s.id, Date.now() + this.chatDelayMs + streamTime);
    }
    const performed = Array.isArray(body.performedActions) ? body.performedActions.filter(isRecord) : [];
    const text = performed.length
      ? `turn ${turn}: results ${performed.map((a) => `${String(a.actionId)}=${String(a.functionCallOutput)}`).join(", ")}`
      : `turn ${turn}: ${userMessage}`;
    const final = { message: { role: "AGENT", content: { text, citations: [] }, timeCreated: nowIso() } };
    if (body.shouldStream === true) {
      // §5.3 is unverified: delta events, then one final event carrying the full message.
      const deltas = splitWords(text).map((w) => ({ message: { role: "AGENT", content: { text: w } } }));
      return { sse: [...deltas, final], gapMs };
    }
    return { json: final, delayMs: this.chatDelayMs };
  }
}
