// Scalar oracle of kernels/f32-spmv.ts (same signature).
import { actS } from "../f32-gemm-act";

/** y[N] = act(W_sparse·x + b); b = 0 means no bias. */
export function f32Spmv(n: i32, rowPtr: usize, cols: usize, vals: usize, x: usize, b: usize, y: usize, act: i32, actA: f32, actB: f32): void {
  for (let r = 0; r < n; r++) {
    let s: f32 = 0;
    for (let j = load<u32>(rowPtr + (<usize>r << 2)); j < load<u32>(rowPtr + (<usize>(r + 1) << 2)); j++) {
      s += load<f32>(vals + (<usize>j << 2)) * load<f32>(x + (<usize>load<u32>(cols + (<usize>j << 2)) << 2));
    }
    if (b) s += load<f32>(b + (<usize>r << 2));
    store<f32>(y + (<usize>r << 2), actS(s, act, actA, actB));
  }
}
