/** The in-process store (SESSION_STORE=memory): the shared contract. */
import { MemorySessionStore } from "../../src/state/memory";
import { sessionStoreContract } from "./session-store-contract";

sessionStoreContract("memory", async (opts) => new MemorySessionStore(opts));
