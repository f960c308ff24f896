// Scalar oracle of kernels/f32-gemm.ts (same signature).
import { actS } from "../f32-gemm-act";

/** Y[M,N] = act(X[M,K]·W[N,K]ᵀ + b[N]); b = 0 means no bias. */
export function f32Gemm(m: i32, n: i32, k: i32, x: usize, w: usize, b: usize, y: usize, act: i32, actA: f32, actB: f32): void {
  for (let r = 0; r < m; r++) {
    const xr = x + (<usize>r * <usize>k << 2);
    for (let j = 0; j < n; j++) {
      const wr = w + (<usize>j * <usize>k << 2);
      let s: f32 = 0;
      for (let i = 0; i < k; i++) s += load<f32>(xr + (<usize>i << 2)) * load<f32>(wr + (<usize>i << 2));
      if (b) s += load<f32>(b + (<usize>j << 2));
      store<f32>(y + ((<usize>r * <usize>n + <usize>j) << 2), actS(s, act, actA, actB));
    }
  }
}
