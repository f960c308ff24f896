// Y[M,N] = act(X[M,K]·W[N,K]ᵀ + b[N]): the Gemm op at batch > 1, on W as stored ([N,K]).
// Micro-tile: 2 rows of X × 4 rows of W, dot products along K (8 f32x4 accumulators + 6
// loads per step fit x64's 16 vector registers; a 4×4 tile spilled). The W panel (4 rows)
// is the outer loop so it stays in L1 while every row of X streams past it.
// Leftover rows of X and of W go through f32Gemv; the scalar build runs f32Gemv row by row.
// The activation is one pass over Y at the end (f32ActRows).
import { f32ActRows } from "./f32-gemm-act";
import { f32Gemv, hsum4, column4 } from "./f32-gemv";

/** Y[M,N] = act(X[M,K]·W[N,K]ᵀ + b[N]); b = 0 means no bias. */
export function f32Gemm(m: i32, n: i32, k: i32, x: usize, w: usize, b: usize, y: usize, act: i32, actA: f32, actB: f32): void {
  const rowBytes = <usize>k << 2;
  const outBytes = <usize>n << 2;
  if (!ASC_FEATURE_SIMD) {
    for (let r = 0; r < m; r++) f32Gemv(n, k, x + <usize>r * rowBytes, w, b, y + <usize>r * outBytes, act, actA, actB);
    return;
  }
  const k4 = k & ~3;
  const n4 = n & ~3;
  const m2 = m & ~1;
  for (let j = 0; j < n4; j += 4) {
    const w0 = w + <usize>j * rowBytes;
    const w1 = w0 + rowBytes;
    const w2 = w1 + rowBytes;
    const w3 = w2 + rowBytes;
    const bias = b ? v128.load(b + (<usize>j << 2)) : f32x4.splat(0);
    for (let r = 0; r < m2; r += 2) {
      const x0 = x + <usize>r * rowBytes;
      const x1 = x0 + rowBytes;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
      let i = 0;
      for (; i < k4; i += 4) {
        const o = <usize>i << 2;
        const v0 = v128.load(w0 + o);
        const v1 = v128.load(w1 + o);
        const v2 = v128.load(w2 + o);
        const v3 = v128.load(w3 + o);
        const xa = v128.load(x0 + o);
        a0 = f32x4.add(a0, f32x4.mul(xa, v0));
        a1 = f32x4.add(a1, f32x4.mul(xa, v1));
        a2 = f32x4.add(a2, f32x4.mul(xa, v2));
        a3 = f32x4.add(a3, f32x4.mul(xa, v3));
        const xb = v128.load(x1 + o);
        c0 = f32x4.add(c0, f32x4.mul(xb, v0));
        c1 = f32x4.add(c1, f32x4.mul(xb, v1));
        c2 = f32x4.add(c2, f32x4.mul(xb, v2));
        c3 = f32x4.add(c3, f32x4.mul(xb, v3));
      }
      let s0 = f32x4.add(hsum4(a0, a1, a2, a3), bias);
      let s1 = f32x4.add(hsum4(c0, c1, c2, c3), bias);
      for (; i < k; i++) {
        const o = <usize>i << 2;
        const wv = column4(w0, w1, w2, w3, o);
        s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(x0 + o), wv));
        s1 = f32x4.add(s1, f32x4.mul(v128.load32_splat(x1 + o), wv));
      }
      const y0 = y + <usize>r * outBytes + (<usize>j << 2);
      v128.store(y0, s0);
      v128.store(y0 + outBytes, s1);
    }
  }
  if (n4 < n) {
    for (let r = 0; r < m2; r++) {
      f32Gemv(n - n4, k, x + <usize>r * rowBytes, w + <usize>n4 * rowBytes, b ? b + (<usize>n4 << 2) : 0,
        y + <usize>r * outBytes + (<usize>n4 << 2), 0, 0, 0);
    }
  }
  if (m2 < m) f32Gemv(n, k, x + <usize>m2 * rowBytes, w, b, y + <usize>m2 * outBytes, 0, 0, 0);
  if (act) f32ActRows(y, m, n, n, act, actA, actB);
}
