/** Real output sizes of OCI's embedding models, so TEST_MODE vectors fit client-side indexes. */
export function embeddingDimension(modelId: string, outputDimensions?: number): number {
  if (/embed-v4/.test(modelId)) return outputDimensions ?? 1536;
  if (/light/.test(modelId)) return 384;
  return 1024;
}

/** A deterministic unit vector per text: the same input always embeds to the same point. */
export function deterministicUnitVector(text: string, dim: number): number[] {
  let seed = new Bun.CryptoHasher("sha256").update(text).digest().readUInt32LE(0) || 1;
  const next = () => {
    // mulberry32: tiny, fast, good enough to spread points over the sphere.
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
  const v = Array.from({ length: dim }, next);
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => Math.fround(x / norm));
}
