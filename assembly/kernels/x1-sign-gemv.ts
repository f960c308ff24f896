// Real activations × binary weights (BinaryConnect / XNOR-weight layers at batch 1):
// y[j] = α[j]·Σ_k ±x[k], the sign from bit k of row j of W ([N, words], x1-pack.ts: 1 = −1).
// No multiplies, T-MAC style (Wei et al. 2024): per byte of signs (8 values of x) a table of its
// 256 signed partial sums is built in `tab` (signGemvScratch bytes: lo-nibble + hi-nibble sums,
// 64 SIMD adds per byte), then each row costs one table load and add per 8 weights, four
// accumulators; the last partial word of x (k % 32 values) in scalar.
// Measured at 4096×4096 (Node 20, SIMD, best of 21 on the shared 2-core machine): f32Gemv 3.1 ms,
// tables 1.62 ms (1.9×), the previous kernel (per nibble an XOR with one of 16 sign masks, SIMD)
// 2.35 ms; the 512 KB of tables live in L2. Building them costs about 3 adds per x, so a layer of
// few rows pays more for them than it saves; such layers are rare (the last one stays real).
import * as ref from "./reference/x1-sign-gemv";

/** Bytes of `tab` for k values: 256 f32 per byte of full sign words, + 32 nibble sums. */
export function signGemvScratch(k: i32): usize { return (<usize>(k >> 5) << 12) + 128; }

/** t[m] for m < 16 = Σ over 4 values of x of ±x[i] (− where bit i of m is set). */
// @ts-ignore: decorator
@inline function nibbleSums(x: usize, t: usize): void {
  store<f32>(t, load<f32>(x) + load<f32>(x, 4) + load<f32>(x, 8) + load<f32>(x, 12));
  for (let m = 1; m < 16; m++) {
    store<f32>(t + (<usize>m << 2), load<f32>(t + (<usize>(m & (m - 1)) << 2)) - 2 * load<f32>(x + (<usize>ctz(m) << 2)));
  }
}

function tables(x: usize, full: i32, tab: usize): void {
  const lo = tab + (<usize>full << 12), hi = lo + 64; // the last 128 bytes: 16 + 16 nibble sums
  for (let g = 0; g < full << 2; g++) {
    nibbleSums(x + (<usize>g << 5), lo);
    nibbleSums(x + (<usize>g << 5) + 16, hi);
    const t = tab + (<usize>g << 10);
    for (let h = 0; h < 16; h++) {
      const s = v128.load32_splat(hi + (<usize>h << 2)), o = t + (<usize>h << 6);
      for (let l = 0; l < 64; l += 16) v128.store(o + l, f32x4.add(v128.load(lo + l), s));
    }
  }
}

export function x1SignGemv(x: usize, w: usize, alpha: usize, y: usize, n: i32, k: i32, words: i32, tab: usize): void {
  const full = k >> 5;
  if (!ASC_FEATURE_SIMD || !full) { ref.x1SignGemv(x, w, alpha, y, n, k, words); return; }
  tables(x, full, tab);
  for (let j = 0; j < n; j++) {
    const wj = w + (<usize>j * <usize>words << 2);
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    for (let c = 0; c < full; c++) {
      const bits = load<u32>(wj + (<usize>c << 2)), t = tab + (<usize>c << 12);
      s0 += load<f32>(t + (<usize>(bits & 255) << 2));
      s1 += load<f32>(t + (<usize>(bits >> 6 & 0x3FC)), 1024);
      s2 += load<f32>(t + (<usize>(bits >> 14 & 0x3FC)), 2048);
      s3 += load<f32>(t + (<usize>(bits >> 22 & 0x3FC)), 3072);
    }
    store<f32>(y + (<usize>j << 2), load<f32>(alpha + (<usize>j << 2)) * ((s0 + s1) + (s2 + s3) + ref.signSum(x, wj, full << 5, k)));
  }
}
