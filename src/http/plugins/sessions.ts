import { Elysia } from "elysia";
import type { SessionManager } from "../../agents/session-manager";

/** Puts the agent session manager into the handlers' context (like the transport plugin). */
export const sessions = (m: SessionManager) =>
  new Elysia({ name: "sessions", seed: m.store.kind }).decorate("sessions", m);
