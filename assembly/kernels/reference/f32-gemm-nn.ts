// Scalar oracle of kernels/f32-gemm-nn.ts (same signature; `pack` is unused), in row-axpy
// order (i-k-j) so that B is read row by row.
import { actS } from "../f32-gemm-act";

/** Y[M,N] = act(A[M,K]·B[K,N] + bias[M]); bias = 0 means none; rows of Y ldy floats apart. */
export function f32GemmNN(m: i32, n: i32, k: i32, a: usize, bm: usize, bias: usize, y: usize, ldy: i32, act: i32, actA: f32, actB: f32, pack: usize): void {
  for (let r = 0; r < m; r++) {
    const yr = y + (<usize>r * <usize>ldy << 2);
    memory.fill(yr, 0, <usize>n << 2);
    for (let i = 0; i < k; i++) {
      const av = load<f32>(a + ((<usize>r * <usize>k + <usize>i) << 2));
      const br = bm + (<usize>i * <usize>n << 2);
      for (let j = 0; j < n; j++) {
        const p = yr + (<usize>j << 2);
        store<f32>(p, load<f32>(p) + av * load<f32>(br + (<usize>j << 2)));
      }
    }
    const bv: f32 = bias ? load<f32>(bias + (<usize>r << 2)) : 0;
    for (let j = 0; j < n; j++) {
      const p = yr + (<usize>j << 2);
      store<f32>(p, actS(load<f32>(p) + bv, act, actA, actB));
    }
  }
}
