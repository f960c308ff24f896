// Scalar oracle of kernels/f32-spmm.ts (same signature).
import { actS } from "../f32-gemm-act";

/** Y = act(W_sparse·X + bias[row]); bias = 0 means none; X rows ldx, Y rows ldy floats apart. */
export function f32Spmm(m: i32, p: i32, rowPtr: usize, cols: usize, vals: usize, x: usize, ldx: i32, bias: usize, y: usize, ldy: i32,
  act: i32, actA: f32, actB: f32): void {
  for (let r = 0; r < m; r++) {
    for (let q = 0; q < p; q++) {
      let s: f32 = 0;
      for (let j = load<u32>(rowPtr + (<usize>r << 2)); j < load<u32>(rowPtr + (<usize>(r + 1) << 2)); j++) {
        s += load<f32>(vals + (<usize>j << 2)) * load<f32>(x + ((<usize>load<u32>(cols + (<usize>j << 2)) * <usize>ldx + <usize>q) << 2));
      }
      if (bias) s += load<f32>(bias + (<usize>r << 2));
      store<f32>(y + ((<usize>r * <usize>ldy + <usize>q) << 2), actS(s, act, actA, actB));
    }
  }
}
