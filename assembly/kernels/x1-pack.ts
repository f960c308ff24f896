// Sign bits of f32 rows packed into u32 words, the operand layout of the x1 (1-bit) kernels:
// bit j of word w of a row is 1 where x[32w + j] < 0 (−1) and 0 otherwise (+1, also for 0, −0 and
// NaN: the BinarySign convention). Each row of k values fills `words` words (≥ ⌈k/32⌉; a multiple
// of 4 keeps rows 128-bit aligned for x1-xnor-gemm); padding bits are 0 (+1) in activations and
// weights alike, so their XOR is 0 and they add nothing to a popcount.
import * as ref from "./reference/x1-pack";

export function x1Pack(x: usize, rows: i32, k: i32, out: usize, words: i32): void {
  if (!ASC_FEATURE_SIMD) { ref.x1Pack(x, rows, k, out, words); return; }
  const zero = f32x4.splat(0), full = k >> 5;
  for (let r = 0; r < rows; r++) {
    const src = x + (<usize>r * <usize>k << 2), dst = out + (<usize>r * <usize>words << 2);
    for (let w = 0; w < full; w++) {
      const p = src + (<usize>w << 7);
      let bits: u32 = 0;
      for (let q = 0; q < 8; q++) bits |= <u32>i32x4.bitmask(f32x4.lt(v128.load(p + (<usize>q << 4)), zero)) << (q << 2);
      store<u32>(dst + (<usize>w << 2), bits);
    }
    ref.packTail(src, k, dst, full, words);
  }
}
