// Seeded, deterministic initialisation for the zoo (and test data): same seed, same bytes.

/** mulberry32: a tiny 32-bit PRNG; returns uniform numbers in [lo, hi). */
export function rng(seed: number): (lo?: number, hi?: number) => number {
  let a = seed >>> 0;
  return (lo = -1, hi = 1) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  };
}

/** He-uniform weights for a ReLU network: U(±√(6 / fanIn)). */
export function heUniform(r: ReturnType<typeof rng>, n: number, fanIn: number): Float32Array {
  const b = Math.sqrt(6 / fanIn);
  return Float32Array.from({ length: n }, () => r(-b, b));
}
