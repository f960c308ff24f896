// Scalar oracle of kernels/x8-lut-spmv.ts (same signature).
import { actS } from "../f32-gemm-act";

/** y[N] = act(W_sparse·x + b) with weight j of row r = lut[r·stride/4 + idx[j]]; b = 0 means no bias. */
export function x8LutSpmv(n: i32, rowPtr: usize, cols: usize, idx: usize, lut: usize, stride: u32, x: usize, b: usize, y: usize,
  act: i32, actA: f32, actB: f32): void {
  for (let r = 0; r < n; r++) {
    let s: f32 = 0;
    for (let j = load<u32>(rowPtr + (<usize>r << 2)); j < load<u32>(rowPtr + (<usize>(r + 1) << 2)); j++) {
      const w = load<f32>(lut + <usize>r * stride + (<usize>load<u8>(idx + j) << 2));
      s += w * load<f32>(x + (<usize>load<u32>(cols + (<usize>j << 2)) << 2));
    }
    if (b) s += load<f32>(b + (<usize>r << 2));
    store<f32>(y + (<usize>r << 2), actS(s, act, actA, actB));
  }
}
