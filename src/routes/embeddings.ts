import { Elysia } from "elysia";
import type { ConfigStore } from "../config/store";
import type { transport as transportPlugin } from "../http/plugins/transport";

/** `/v1/embeddings` and `/genai/{alias}/v1/embeddings`. */
export function embeddingsRoutes(store: ConfigStore, oci: ReturnType<typeof transportPlugin>) {
  void store;
  return new Elysia({ name: "routes-embeddings" }).use(oci);
}
