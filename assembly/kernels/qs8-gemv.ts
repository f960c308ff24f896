// Batch-1 int8 Gemm (docs/FORMAT.md §3.7): one u8 row of X against s8 W[N, kp] (rows zero-padded
// to kp, a multiple of 16). Per 16 bytes: X widened once to two i16x8, each of four W rows widened
// and multiplied-and-paired by i32x4.dot_i16x8_s into i32 accumulators (exact: kp·255·127 < 2^31);
// the four sums reduced together, then the f32 epilogue (xZero correction, scale, bias, act).
import * as ref from "./reference/qs8-gemm";
import { actV } from "./f32-gemm-act";

/** [Σa0, Σa1, Σa2, Σa3] of four i32x4 accumulators. */
// @ts-ignore: decorator
@inline export function isum4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const s01 = i32x4.add(v128.shuffle<i32>(a0, a1, 0, 4, 1, 5), v128.shuffle<i32>(a0, a1, 2, 6, 3, 7));
  const s23 = i32x4.add(v128.shuffle<i32>(a2, a3, 0, 4, 1, 5), v128.shuffle<i32>(a2, a3, 2, 6, 3, 7));
  return i32x4.add(v128.shuffle<i32>(s01, s23, 0, 1, 4, 5), v128.shuffle<i32>(s01, s23, 2, 3, 6, 7));
}

/** acc += x·w over 16 bytes (x as two widened halves xl, xh). */
// @ts-ignore: decorator
@inline export function dot16(acc: v128, xl: v128, xh: v128, w: v128): v128 {
  return i32x4.add(i32x4.add(acc, i32x4.dot_i16x8_s(xl, i16x8.extend_low_i8x16_s(w))), i32x4.dot_i16x8_s(xh, i16x8.extend_high_i8x16_s(w)));
}

/** Epilogue of rows j..j+3 for sums `acc`, stored at y, y+yn, … (yn in floats). */
// @ts-ignore: decorator
@inline export function qs8Store4(acc: v128, j: i32, xs: f32, xz: i32, rowSum: usize, scale: usize, b: usize, y: usize, yn: i32,
  act: i32, va: v128, vb: v128): void {
  const o = <usize>j << 2;
  let v = f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(acc, i32x4.mul(i32x4.splat(xz), v128.load(rowSum + o)))), f32x4.mul(f32x4.splat(xs), v128.load(scale + o)));
  if (b) v = f32x4.add(v, v128.load(b + o));
  v = actV(v, act, va, vb);
  if (yn == 1) { v128.store(y, v); return; }
  const s = <usize>yn << 2;
  store<f32>(y, f32x4.extract_lane(v, 0)); store<f32>(y + s, f32x4.extract_lane(v, 1));
  store<f32>(y + 2 * s, f32x4.extract_lane(v, 2)); store<f32>(y + 3 * s, f32x4.extract_lane(v, 3));
}

export function qs8Gemv(n: i32, kp: i32, a: usize, w: usize, rowSum: usize, scale: usize, xs: f32, xz: i32,
  b: usize, y: usize, yn: i32, act: i32, actA: f32, actB: f32): void {
  if (!ASC_FEATURE_SIMD) { ref.qs8Gemv(n, kp, a, w, rowSum, scale, xs, xz, b, y, yn, act, actA, actB); return; }
  const va = f32x4.splat(actA), vb = f32x4.splat(actB), row = <usize>kp;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const w0 = w + <usize>j * row, w1 = w0 + row, w2 = w1 + row, w3 = w2 + row;
    let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (let k = 0; k < kp; k += 16) {
      const xv = v128.load(a + k), xl = i16x8.extend_low_i8x16_u(xv), xh = i16x8.extend_high_i8x16_u(xv);
      a0 = dot16(a0, xl, xh, v128.load(w0 + k));
      a1 = dot16(a1, xl, xh, v128.load(w1 + k));
      a2 = dot16(a2, xl, xh, v128.load(w2 + k));
      a3 = dot16(a3, xl, xh, v128.load(w3 + k));
    }
    qs8Store4(isum4(a0, a1, a2, a3), j, xs, xz, rowSum, scale, b, y + (<usize>(j * yn) << 2), yn, act, va, vb);
  }
  for (; j < n; j++) {
    const wj = w + <usize>j * row;
    let a0 = i32x4.splat(0);
    for (let k = 0; k < kp; k += 16) {
      const xv = v128.load(a + k);
      a0 = dot16(a0, i16x8.extend_low_i8x16_u(xv), i16x8.extend_high_i8x16_u(xv), v128.load(wj + k));
    }
    const s = i32x4.extract_lane(a0, 0) + i32x4.extract_lane(a0, 1) + i32x4.extract_lane(a0, 2) + i32x4.extract_lane(a0, 3);
    store<f32>(y + (<usize>(j * yn) << 2), ref.qs8Out(s, j, xs, xz, rowSum, scale, b, act, actA, actB));
  }
}
