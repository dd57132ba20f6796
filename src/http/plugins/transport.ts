import { Elysia } from "elysia";
import type { OciTransport } from "../../oci/transport";

/**
 * Puts the OCI transport into every handler's context. TEST_MODE is this same plugin given the
 * mock transport: nothing else in the app knows which one it runs with.
 */
export const transport = (t: OciTransport) => new Elysia({ name: "transport", seed: t.kind }).decorate("transport", t);
