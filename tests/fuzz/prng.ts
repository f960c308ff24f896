// Seeded PRNG of the fuzzer (mulberry32): every case is a pure function of (seed, layer, index),
// so a failure reproduces from the three numbers it prints.

/** Uniform [0, 1) from a 32-bit seed. */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The generator of case `index` of `layer` under `seed` (independent of every other case). */
export function caseRng(seed: number, layer: number, index: number) {
  const rand = rng((Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(layer + 1, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) | 0);
  rand(); rand();
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  return { rand, int, pick, chance: (p: number) => rand() < p };
}
export type Rand = ReturnType<typeof caseRng>;
