// Y[M,N] = act(A[M,K]·B[K,N] + bias[M]): convolution as GEMM (A = weights [F, C·kh·kw],
// B = NCHW input or its im2col [C·kh·kw, H·W], bias per output channel) and MatMul.
// Outer-product micro-tile: 4 rows of A × 8 columns of B; per k one A value per row is
// load-splatted and two B vectors are loaded, 8 accumulators (no horizontal sums).
// Column leftovers run 4 wide, then scalar; a single column (N = 1) is a GEMV. The output
// must not alias A or B (row remainders are recomputed).
// With M ≥ 8 and a `pack` buffer (4·K·N bytes), B's 8-column panels are first copied into
// contiguous K×8 blocks: the tile then streams B sequentially instead of striding by N
// (power-of-two strides alias in L1). bench/kernels.ts: 1×1 conv 128→128 @16² 350 → 265 µs.
import { f32ActRows } from "./f32-gemm-act";
import { f32Gemv } from "./f32-gemv";

// Scalar build body: row-axpy over 4 rows of B at a time, so each output is loaded and stored
// once per 4 MACs (the reference does it per MAC; 2.5× slower on the MobileNet pointwise).
function gemmNNScalar(m: i32, n: i32, k: i32, a: usize, bm: usize, bias: usize, y: usize, ldy: i32, act: i32, actA: f32, actB: f32): void {
  const bRow = <usize>n << 2;
  for (let r = 0; r < m; r++) {
    const yr = y + (<usize>r * <usize>ldy << 2);
    const ar = a + (<usize>r * <usize>k << 2);
    const bv: f32 = bias ? load<f32>(bias + (<usize>r << 2)) : 0;
    for (let j = 0; j < n; j++) store<f32>(yr + (<usize>j << 2), bv);
    let i = 0;
    for (; i + 4 <= k; i += 4) {
      const a0 = load<f32>(ar + (<usize>i << 2)), a1 = load<f32>(ar + (<usize>i << 2), 4);
      const a2 = load<f32>(ar + (<usize>i << 2), 8), a3 = load<f32>(ar + (<usize>i << 2), 12);
      const b0 = bm + <usize>i * bRow, b1 = b0 + bRow, b2 = b1 + bRow, b3 = b2 + bRow;
      for (let j = 0; j < n; j++) {
        const o = <usize>j << 2;
        store<f32>(yr + o, load<f32>(yr + o) + (a0 * load<f32>(b0 + o) + a1 * load<f32>(b1 + o) + a2 * load<f32>(b2 + o) + a3 * load<f32>(b3 + o)));
      }
    }
    for (; i < k; i++) {
      const a0 = load<f32>(ar + (<usize>i << 2)), b0 = bm + <usize>i * bRow;
      for (let j = 0; j < n; j++) {
        const o = <usize>j << 2;
        store<f32>(yr + o, load<f32>(yr + o) + a0 * load<f32>(b0 + o));
      }
    }
    if (act) f32ActRows(yr, 1, n, n, act, actA, actB);
  }
}

/**
 * Y[M,N] = act(A[M,K]·B[K,N] + bias[M]); bias = 0 means none; rows of Y are ldy floats apart
 * (ldy ≥ N: a column block of a wider Y); pack = 0 or 4·K·N bytes of scratch.
 */
export function f32GemmNN(m: i32, n: i32, k: i32, a: usize, bm: usize, bias: usize, y: usize, ldy: i32, act: i32, actA: f32, actB: f32, pack: usize): void {
  if (!ASC_FEATURE_SIMD) { gemmNNScalar(m, n, k, a, bm, bias, y, ldy, act, actA, actB); return; }
  if (n == 1 && ldy == 1) { f32Gemv(m, k, bm, a, bias, y, act, actA, actB); return; }
  const aRow = <usize>k << 2;
  const bRow = <usize>n << 2;
  const yRow = <usize>ldy << 2;
  const n8 = n & ~7;
  const packed = pack != 0 && m >= 8;
  if (packed) {
    let dst = pack;
    for (let j = 0; j < n8; j += 8) {
      let src = bm + (<usize>j << 2);
      for (let i = 0; i < k; i++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += bRow;
        dst += 32;
      }
    }
  }
  const pStride: usize = packed ? 32 : bRow;
  const n4 = n & ~3;
  // With M ≥ 4 a row remainder reruns the last four rows (identical results, full tile speed).
  for (let r = 0; m >= 4 && r < m; r += 4) {
    if (r + 4 > m) r = m - 4;
    const a0 = a + <usize>r * aRow;
    const a1 = a0 + aRow;
    const a2 = a1 + aRow;
    const a3 = a2 + aRow;
    const y0 = y + <usize>r * yRow;
    const y1 = y0 + yRow;
    const y2 = y1 + yRow;
    const y3 = y2 + yRow;
    const bb0 = bias ? v128.load32_splat(bias + (<usize>r << 2)) : f32x4.splat(0);
    const bb1 = bias ? v128.load32_splat(bias + (<usize>r << 2), 4) : f32x4.splat(0);
    const bb2 = bias ? v128.load32_splat(bias + (<usize>r << 2), 8) : f32x4.splat(0);
    const bb3 = bias ? v128.load32_splat(bias + (<usize>r << 2), 12) : f32x4.splat(0);
    let j = 0;
    for (; j < n8; j += 8) {
      let c00 = bb0, c01 = bb0, c10 = bb1, c11 = bb1, c20 = bb2, c21 = bb2, c30 = bb3, c31 = bb3;
      let bp = packed ? pack + (<usize>j * <usize>k << 2) : bm + (<usize>j << 2);
      for (let i = 0; i < k; i++) {
        const o = <usize>i << 2;
        const v0 = v128.load(bp);
        const v1 = v128.load(bp, 16);
        bp += pStride;
        let s = v128.load32_splat(a0 + o);
        c00 = f32x4.add(c00, f32x4.mul(s, v0));
        c01 = f32x4.add(c01, f32x4.mul(s, v1));
        s = v128.load32_splat(a1 + o);
        c10 = f32x4.add(c10, f32x4.mul(s, v0));
        c11 = f32x4.add(c11, f32x4.mul(s, v1));
        s = v128.load32_splat(a2 + o);
        c20 = f32x4.add(c20, f32x4.mul(s, v0));
        c21 = f32x4.add(c21, f32x4.mul(s, v1));
        s = v128.load32_splat(a3 + o);
        c30 = f32x4.add(c30, f32x4.mul(s, v0));
        c31 = f32x4.add(c31, f32x4.mul(s, v1));
      }
      const o = <usize>j << 2;
      v128.store(y0 + o, c00); v128.store(y0 + o, c01, 16);
      v128.store(y1 + o, c10); v128.store(y1 + o, c11, 16);
      v128.store(y2 + o, c20); v128.store(y2 + o, c21, 16);
      v128.store(y3 + o, c30); v128.store(y3 + o, c31, 16);
    }
    if (j < n4) {
      let c0 = bb0, c1 = bb1, c2 = bb2, c3 = bb3;
      let bp = bm + (<usize>j << 2);
      for (let i = 0; i < k; i++) {
        const o = <usize>i << 2;
        const v0 = v128.load(bp);
        bp += bRow;
        c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(a0 + o), v0));
        c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(a1 + o), v0));
        c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(a2 + o), v0));
        c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(a3 + o), v0));
      }
      const o = <usize>j << 2;
      v128.store(y0 + o, c0);
      v128.store(y1 + o, c1);
      v128.store(y2 + o, c2);
      v128.store(y3 + o, c3);
      j += 4;
    }
    for (; j < n; j++) {
      // Four rows of one column at once: lane q holds row r+q.
      let c = bias ? v128.load(bias + (<usize>r << 2)) : f32x4.splat(0);
      let bp = bm + (<usize>j << 2);
      for (let i = 0; i < k; i++) {
        const o = <usize>i << 2;
        let av = v128.load32_splat(a0 + o);
        av = f32x4.replace_lane(av, 1, load<f32>(a1 + o));
        av = f32x4.replace_lane(av, 2, load<f32>(a2 + o));
        av = f32x4.replace_lane(av, 3, load<f32>(a3 + o));
        c = f32x4.add(c, f32x4.mul(av, v128.load32_splat(bp)));
        bp += bRow;
      }
      const o = <usize>j << 2;
      store<f32>(y0 + o, f32x4.extract_lane(c, 0));
      store<f32>(y1 + o, f32x4.extract_lane(c, 1));
      store<f32>(y2 + o, f32x4.extract_lane(c, 2));
      store<f32>(y3 + o, f32x4.extract_lane(c, 3));
    }
    if (act) f32ActRows(y0, 4, n, ldy, act, actA, actB);
  }
  for (let r = 0; r < m && m < 4; r++) {
    const a0 = a + <usize>r * aRow;
    const y0 = y + <usize>r * yRow;
    const bb = bias ? v128.load32_splat(bias + (<usize>r << 2)) : f32x4.splat(0);
    let j = 0;
    for (; j < n8; j += 8) {
      let c0 = bb, c1 = bb;
      let bp = bm + (<usize>j << 2);
      for (let i = 0; i < k; i++) {
        const s = v128.load32_splat(a0 + (<usize>i << 2));
        c0 = f32x4.add(c0, f32x4.mul(s, v128.load(bp)));
        c1 = f32x4.add(c1, f32x4.mul(s, v128.load(bp, 16)));
        bp += bRow;
      }
      v128.store(y0 + (<usize>j << 2), c0);
      v128.store(y0 + (<usize>j << 2), c1, 16);
    }
    for (; j < n4; j += 4) {
      let c = bb;
      let bp = bm + (<usize>j << 2);
      for (let i = 0; i < k; i++) {
        c = f32x4.add(c, f32x4.mul(v128.load32_splat(a0 + (<usize>i << 2)), v128.load(bp)));
        bp += bRow;
      }
      v128.store(y0 + (<usize>j << 2), c);
    }
    for (; j < n; j++) {
      let s: f32 = bias ? load<f32>(bias + (<usize>r << 2)) : 0;
      let bp = bm + (<usize>j << 2);
      for (let i = 0; i < k; i++) {
        s += load<f32>(a0 + (<usize>i << 2)) * load<f32>(bp);
        bp += bRow;
      }
      store<f32>(y0 + (<usize>j << 2), s);
    }
    if (act) f32ActRows(y0, 1, n, ldy, act, actA, actB);
  }
}
