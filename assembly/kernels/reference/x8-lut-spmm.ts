// Scalar oracle of kernels/x8-lut-spmm.ts (same signature).
import { actS } from "../f32-gemm-act";

/** Y = act(W_sparse·X + bias[row]) with weight j of row r = lut[r·stride/4 + idx[j]]. */
export function x8LutSpmm(m: i32, p: i32, rowPtr: usize, cols: usize, idx: usize, lut: usize, stride: u32, x: usize, ldx: i32,
  bias: usize, y: usize, ldy: i32, act: i32, actA: f32, actB: f32): void {
  for (let r = 0; r < m; r++) {
    for (let q = 0; q < p; q++) {
      let s: f32 = 0;
      for (let j = load<u32>(rowPtr + (<usize>r << 2)); j < load<u32>(rowPtr + (<usize>(r + 1) << 2)); j++) {
        const w = load<f32>(lut + <usize>r * stride + (<usize>load<u8>(idx + j) << 2));
        s += w * load<f32>(x + ((<usize>load<u32>(cols + (<usize>j << 2)) * <usize>ldx + <usize>q) << 2));
      }
      if (bias) s += load<f32>(bias + (<usize>r << 2));
      store<f32>(y + ((<usize>r * <usize>ldy + <usize>q) << 2), actS(s, act, actA, actB));
    }
  }
}
