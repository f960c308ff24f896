// Scalar oracle of kernels/f32-gemm-nn.ts (same signature).
import { actS } from "../f32-gemm-act";

/** Y[M,N] = act(A[M,K]·B[K,N] + bias[M]); bias = 0 means none. All row-major, contiguous. */
export function f32GemmNN(m: i32, n: i32, k: i32, a: usize, bm: usize, bias: usize, y: usize, act: i32, actA: f32, actB: f32): void {
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < n; j++) {
      let s: f32 = 0;
      for (let i = 0; i < k; i++) {
        s += load<f32>(a + ((<usize>r * <usize>k + <usize>i) << 2)) * load<f32>(bm + ((<usize>i * <usize>n + <usize>j) << 2));
      }
      if (bias) s += load<f32>(bias + (<usize>r << 2));
      store<f32>(y + ((<usize>r * <usize>n + <usize>j) << 2), actS(s, act, actA, actB));
    }
  }
}
