// C[M,N] += A[M,K]·B[K,N], the backward GEMMs of Gemm/MatMul (trainer). A is read through
// element strides (row ars, column acs) so one body serves dX += dY·W (A = dY, acs = 1) and
// dW += dYᵀ·X (A = dYᵀ: ars = 1, acs = N). Rows of B and C are contiguous (ldb, ldc floats apart).
// Outer-product micro-tile as f32-gemm-nn: 4 rows of C × 8 columns, one A value per row
// load-splatted per k, two B vectors loaded; the tile starts from C, so the sum accumulates.
import * as ref from "./reference/f32-gemm-acc";

export function f32GemmAcc(m: i32, n: i32, k: i32, a: usize, ars: i32, acs: i32, b: usize, ldb: i32, c: usize, ldc: i32): void {
  if (!ASC_FEATURE_SIMD) { ref.f32GemmAcc(m, n, k, a, ars, acs, b, ldb, c, ldc); return; }
  const bRow = <usize>ldb << 2, cRow = <usize>ldc << 2;
  const aRow = <usize>ars << 2, aCol = <usize>acs << 2;
  const n8 = n & ~7, n4 = n & ~3;
  let r = 0;
  for (; r + 4 <= m; r += 4) {
    const a0 = a + <usize>r * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow;
    const c0 = c + <usize>r * cRow, c1 = c0 + cRow, c2 = c1 + cRow, c3 = c2 + cRow;
    let j = 0;
    for (; j < n8; j += 8) {
      const o = <usize>j << 2;
      let s00 = v128.load(c0 + o), s01 = v128.load(c0 + o, 16), s10 = v128.load(c1 + o), s11 = v128.load(c1 + o, 16);
      let s20 = v128.load(c2 + o), s21 = v128.load(c2 + o, 16), s30 = v128.load(c3 + o), s31 = v128.load(c3 + o, 16);
      let bp = b + o, ao: usize = 0;
      for (let i = 0; i < k; i++) {
        const v0 = v128.load(bp), v1 = v128.load(bp, 16);
        bp += bRow;
        let s = v128.load32_splat(a0 + ao);
        s00 = f32x4.add(s00, f32x4.mul(s, v0)); s01 = f32x4.add(s01, f32x4.mul(s, v1));
        s = v128.load32_splat(a1 + ao);
        s10 = f32x4.add(s10, f32x4.mul(s, v0)); s11 = f32x4.add(s11, f32x4.mul(s, v1));
        s = v128.load32_splat(a2 + ao);
        s20 = f32x4.add(s20, f32x4.mul(s, v0)); s21 = f32x4.add(s21, f32x4.mul(s, v1));
        s = v128.load32_splat(a3 + ao);
        s30 = f32x4.add(s30, f32x4.mul(s, v0)); s31 = f32x4.add(s31, f32x4.mul(s, v1));
        ao += aCol;
      }
      v128.store(c0 + o, s00); v128.store(c0 + o, s01, 16); v128.store(c1 + o, s10); v128.store(c1 + o, s11, 16);
      v128.store(c2 + o, s20); v128.store(c2 + o, s21, 16); v128.store(c3 + o, s30); v128.store(c3 + o, s31, 16);
    }
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      let s0 = v128.load(c0 + o), s1 = v128.load(c1 + o), s2 = v128.load(c2 + o), s3 = v128.load(c3 + o);
      let bp = b + o, ao: usize = 0;
      for (let i = 0; i < k; i++) {
        const v = v128.load(bp);
        bp += bRow;
        s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(a0 + ao), v));
        s1 = f32x4.add(s1, f32x4.mul(v128.load32_splat(a1 + ao), v));
        s2 = f32x4.add(s2, f32x4.mul(v128.load32_splat(a2 + ao), v));
        s3 = f32x4.add(s3, f32x4.mul(v128.load32_splat(a3 + ao), v));
        ao += aCol;
      }
      v128.store(c0 + o, s0); v128.store(c1 + o, s1); v128.store(c2 + o, s2); v128.store(c3 + o, s3);
    }
    if (j < n) ref.f32GemmAcc(4, n - j, k, a0, ars, acs, b + (<usize>j << 2), ldb, c0 + (<usize>j << 2), ldc);
  }
  for (; r < m; r++) {
    const a0 = a + <usize>r * aRow, c0 = c + <usize>r * cRow;
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      let s0 = v128.load(c0 + o);
      let bp = b + o, ao: usize = 0;
      for (let i = 0; i < k; i++) {
        s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(a0 + ao), v128.load(bp)));
        bp += bRow;
        ao += aCol;
      }
      v128.store(c0 + o, s0);
    }
    if (j < n) ref.f32GemmAcc(1, n - j, k, a0, ars, acs, b + (<usize>j << 2), ldb, c0 + (<usize>j << 2), ldc);
  }
}
