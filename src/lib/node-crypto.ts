/**
 * node:crypto, loaded when first needed rather than at every start: it costs ~6 ms of a start
 * (docs/architecture.md#start-up-what-loads-when), and the bundler hoists every static import of a
 * built-in to the top of the binary. Hashes use Bun.CryptoHasher instead; what only node:crypto
 * does (encrypted keys, KeyObjects, the reference RSA signature) calls this.
 */
let loaded: typeof import("node:crypto") | undefined;

export function nodeCrypto(): typeof import("node:crypto") {
  loaded ??= require("node:crypto") as typeof import("node:crypto");
  return loaded;
}
