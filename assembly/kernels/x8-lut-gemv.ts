// y[N] = act(W[N,K]·x[K] + b[N]) with W dense u8 codebook indices, row-major: weight (r, i) is
// lut[r·stride/4 + idx[r·K + i]] (stride 0: one codebook). Batch-1 Gemm on a codebook W kept as
// indices (a quarter of f32's bytes). SIMD: four weights gathered through the lut per f32x4,
// two accumulators; scalar: two sums.
import { f32ActRows } from "./f32-gemm-act";
import { hsum } from "./f32-gemv";
import { w4At, wAt } from "./f32-spmv";

/** y[N] = act(W·x + b); b = 0 means no bias. */
export function x8LutGemv(n: i32, k: i32, x: usize, idx: usize, lut: usize, stride: u32, b: usize, y: usize, act: i32, actA: f32, actB: f32): void {
  for (let r = 0; r < n; r++) {
    const wr = idx + <usize>r * <usize>k, lr = lut + <usize>r * stride;
    let s: f32 = b ? load<f32>(b + (<usize>r << 2)) : 0, i = 0;
    if (ASC_FEATURE_SIMD) {
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
      for (; i + 8 <= k; i += 8) {
        const o = x + (<usize>i << 2);
        a0 = f32x4.add(a0, f32x4.mul(w4At<u8>(wr, i, lr), v128.load(o)));
        a1 = f32x4.add(a1, f32x4.mul(w4At<u8>(wr, i + 4, lr), v128.load(o, 16)));
      }
      s += hsum(f32x4.add(a0, a1));
    } else {
      let s1: f32 = 0;
      for (; i + 2 <= k; i += 2) {
        s += wAt<u8>(wr, i, lr) * load<f32>(x + (<usize>i << 2));
        s1 += wAt<u8>(wr, i + 1, lr) * load<f32>(x + (<usize>i << 2), 4);
      }
      s += s1;
    }
    for (; i < k; i++) s += wAt<u8>(wr, i, lr) * load<f32>(x + (<usize>i << 2));
    store<f32>(y + (<usize>r << 2), s);
  }
  if (act) f32ActRows(y, 1, n, n, act, actA, actB);
}
