/**
 * Hex SHA-256, for key hashes and ids derived from content. Bun's own hasher rather than
 * node:crypto, which is kept off the start path (lib/node-crypto.ts).
 */
export function sha256Hex(data: string | Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(data).digest("hex");
}
