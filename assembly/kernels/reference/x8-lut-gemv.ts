// Scalar oracle of kernels/x8-lut-gemv.ts (same signature).
import { actS } from "../f32-gemm-act";

/** y[N] = act(W·x + b) with W[r,i] = lut[r·stride/4 + idx[r·K + i]]; b = 0 means no bias. */
export function x8LutGemv(n: i32, k: i32, x: usize, idx: usize, lut: usize, stride: u32, b: usize, y: usize, act: i32, actA: f32, actB: f32): void {
  for (let r = 0; r < n; r++) {
    let s: f32 = 0;
    for (let i = 0; i < k; i++) {
      s += load<f32>(lut + <usize>r * stride + (<usize>load<u8>(idx + <usize>r * <usize>k + i) << 2)) * load<f32>(x + (<usize>i << 2));
    }
    if (b) s += load<f32>(b + (<usize>r << 2));
    store<f32>(y + (<usize>r << 2), actS(s, act, actA, actB));
  }
}
