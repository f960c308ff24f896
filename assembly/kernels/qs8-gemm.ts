// Int8 Gemm for m > 1 rows of u8 X (docs/FORMAT.md §3.7; Conv's im2col positions, or a batch):
// 2 rows of X × 4 rows of W per tile, 8 i32x4 accumulators fed by i32x4.dot_i16x8_s (X and W
// widened to i16x8 by their 8-byte loads); the epilogue of qs8-gemv.ts, the activation
// in one pass over the outputs at the end (qs8Act). Row i of X has its own
// [f32 xScale, i32 xZero] at xq + i·xqStride (stride 0: one pair for all); y[i·ym + j·yn].
// When outputs run along X's rows (ym = 1, Conv's Y[F, P]) and X shares one pair, tiles are
// 4 rows of X × 2 rows of W instead, so each reduced i32x4 is 4 adjacent outputs of one W row:
// a vector epilogue with per-row scalars splatted and one v128 store.
import * as ref from "./reference/qs8-gemm";
import { qs8Gemv, isum4, dot8, qs8Store4, qs8Act } from "./qs8-gemv";

/** y[0..3] = epilogue of W row j for the sums of 4 rows of X. */
// @ts-ignore: decorator
@inline function qs8Col4(acc: v128, j: i32, xs: f32, xz: i32, rowSum: usize, scale: usize, b: usize, y: usize): void {
  const o = <usize>j << 2;
  let v = f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(acc, i32x4.splat(xz * load<i32>(rowSum + o)))), f32x4.splat(xs * load<f32>(scale + o)));
  if (b) v = f32x4.add(v, f32x4.splat(load<f32>(b + o)));
  v128.store(y, v);
}

/** Rows 0..m4 (a multiple of 4) of X, one [xs, xz], outputs y[i + j·yn]; an odd last W row runs twice, stored once. */
function qs8GemmCols(m4: i32, n: i32, kp: i32, a: usize, w: usize, rowSum: usize, scale: usize, xs: f32, xz: i32, b: usize, y: usize, yn: i32): void {
  const row = <usize>kp;
  for (let i = 0; i < m4; i += 4) {
    const x0 = a + <usize>i * row, x1 = x0 + row, x2 = x1 + row, x3 = x2 + row, yi = y + (<usize>i << 2);
    for (let j = 0; j < n; j += 2) {
      const w0 = w + <usize>j * row, w1 = j + 1 < n ? w0 + row : w0;
      let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
      for (let k = 0; k < kp; k += 8) {
        const u = v128.load8x8_s(w0 + k), v = v128.load8x8_s(w1 + k);
        let x = v128.load8x8_u(x0 + k); a0 = i32x4.add(a0, i32x4.dot_i16x8_s(x, u)); c0 = i32x4.add(c0, i32x4.dot_i16x8_s(x, v));
        x = v128.load8x8_u(x1 + k); a1 = i32x4.add(a1, i32x4.dot_i16x8_s(x, u)); c1 = i32x4.add(c1, i32x4.dot_i16x8_s(x, v));
        x = v128.load8x8_u(x2 + k); a2 = i32x4.add(a2, i32x4.dot_i16x8_s(x, u)); c2 = i32x4.add(c2, i32x4.dot_i16x8_s(x, v));
        x = v128.load8x8_u(x3 + k); a3 = i32x4.add(a3, i32x4.dot_i16x8_s(x, u)); c3 = i32x4.add(c3, i32x4.dot_i16x8_s(x, v));
      }
      qs8Col4(isum4(a0, a1, a2, a3), j, xs, xz, rowSum, scale, b, yi + (<usize>(j * yn) << 2));
      if (j + 1 < n) qs8Col4(isum4(c0, c1, c2, c3), j + 1, xs, xz, rowSum, scale, b, yi + (<usize>((j + 1) * yn) << 2));
    }
  }
}

export function qs8Gemm(m: i32, n: i32, kp: i32, a: usize, w: usize, rowSum: usize, scale: usize, xq: usize, xqStride: i32,
  b: usize, y: usize, ym: i32, yn: i32, act: i32, actA: f32, actB: f32): void {
  if (!ASC_FEATURE_SIMD) { ref.qs8Gemm(m, n, kp, a, w, rowSum, scale, xq, xqStride, b, y, ym, yn, act, actA, actB); return; }
  const row = <usize>kp, n4 = n & ~3;
  let i = 0;
  if (ym == 1 && xqStride == 0 && m >= 4) {
    i = m & ~3;
    qs8GemmCols(i, n, kp, a, w, rowSum, scale, load<f32>(xq), load<i32>(xq, 4), b, y, yn);
  }
  for (; i + 2 <= m; i += 2) {
    const x0 = a + <usize>i * row, x1 = x0 + row, q0 = xq + <usize>(i * xqStride), q1 = q0 + <usize>xqStride;
    const xs0 = load<f32>(q0), xz0 = load<i32>(q0, 4), xs1 = load<f32>(q1), xz1 = load<i32>(q1, 4);
    const y0 = y + (<usize>(i * ym) << 2), y1 = y0 + (<usize>ym << 2);
    for (let j = 0; j < n4; j += 4) {
      const w0 = w + <usize>j * row, w1 = w0 + row, w2 = w1 + row, w3 = w2 + row;
      let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
      for (let k = 0; k < kp; k += 8) {
        const u = v128.load8x8_u(x0 + k), v = v128.load8x8_u(x1 + k);
        a0 = dot8(a0, u, w0 + k); c0 = dot8(c0, v, w0 + k);
        a1 = dot8(a1, u, w1 + k); c1 = dot8(c1, v, w1 + k);
        a2 = dot8(a2, u, w2 + k); c2 = dot8(c2, v, w2 + k);
        a3 = dot8(a3, u, w3 + k); c3 = dot8(c3, v, w3 + k);
      }
      const o = <usize>(j * yn) << 2;
      qs8Store4(isum4(a0, a1, a2, a3), j, xs0, xz0, rowSum, scale, b, y0 + o, yn);
      qs8Store4(isum4(c0, c1, c2, c3), j, xs1, xz1, rowSum, scale, b, y1 + o, yn);
    }
    if (n4 < n) {
      const o = <usize>(n4 * yn) << 2, rb = b ? b + (<usize>n4 << 2) : 0, rs = rowSum + (<usize>n4 << 2), sc = scale + (<usize>n4 << 2);
      qs8Gemv(n - n4, kp, x0, w + <usize>n4 * row, rs, sc, xs0, xz0, rb, y0 + o, yn, 0, 0, 0);
      qs8Gemv(n - n4, kp, x1, w + <usize>n4 * row, rs, sc, xs1, xz1, rb, y1 + o, yn, 0, 0, 0);
    }
  }
  if (i < m) {
    const q = xq + <usize>(i * xqStride);
    qs8Gemv(n, kp, a + <usize>i * row, w, rowSum, scale, load<f32>(q), load<i32>(q, 4), b, y + (<usize>(i * ym) << 2), yn, 0, 0, 0);
  }
  qs8Act(m, n, y, ym, yn, act, actA, actB);
}
