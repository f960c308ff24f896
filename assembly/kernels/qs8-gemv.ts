// Batch-1 int8 Gemm (docs/FORMAT.md §3.7): one u8 row of X against s8 W[N, kp] (rows zero-padded
// to kp, a multiple of 16). Per 8 bytes: X widened once to i16x8 by its load, each of four W rows
// likewise (v128.load8x8_s) and multiplied-and-paired by i32x4.dot_i16x8_s into i32 accumulators (exact: kp·255·127 < 2^31);
// the four sums reduced together, then the f32 epilogue (xZero correction, scale, bias, act).
import * as ref from "./reference/qs8-gemm";
import { f32ActRows } from "./f32-gemm-act";

/** The fused activation over the m × n outputs of a qs8 kernel (one of ym, yn is 1), as the f32 GEMMs do. */
export function qs8Act(m: i32, n: i32, y: usize, ym: i32, yn: i32, act: i32, actA: f32, actB: f32): void {
  if (!act) return;
  if (yn == 1) f32ActRows(y, m, n, ym, act, actA, actB);
  else f32ActRows(y, n, m, yn, act, actA, actB);
}

/** [Σa0, Σa1, Σa2, Σa3] of four i32x4 accumulators. */
// @ts-ignore: decorator
@inline export function isum4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const s01 = i32x4.add(v128.shuffle<i32>(a0, a1, 0, 4, 1, 5), v128.shuffle<i32>(a0, a1, 2, 6, 3, 7));
  const s23 = i32x4.add(v128.shuffle<i32>(a2, a3, 0, 4, 1, 5), v128.shuffle<i32>(a2, a3, 2, 6, 3, 7));
  return i32x4.add(v128.shuffle<i32>(s01, s23, 0, 1, 4, 5), v128.shuffle<i32>(s01, s23, 2, 3, 6, 7));
}

/** acc += x·w over 8 bytes: x already widened to i16x8, w's 8 s8 widened by the load. */
// @ts-ignore: decorator
@inline export function dot8(acc: v128, x: v128, w: usize): v128 {
  return i32x4.add(acc, i32x4.dot_i16x8_s(x, v128.load8x8_s(w)));
}

/** Epilogue of rows j..j+3 for sums `acc`, stored at y, y+yn, … (yn in floats); act comes after (qs8Act). */
// @ts-ignore: decorator
@inline export function qs8Store4(acc: v128, j: i32, xs: f32, xz: i32, rowSum: usize, scale: usize, b: usize, y: usize, yn: i32): void {
  const o = <usize>j << 2;
  let v = f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(acc, i32x4.mul(i32x4.splat(xz), v128.load(rowSum + o)))), f32x4.mul(f32x4.splat(xs), v128.load(scale + o)));
  if (b) v = f32x4.add(v, v128.load(b + o));
  if (yn == 1) { v128.store(y, v); return; }
  const s = <usize>yn << 2;
  store<f32>(y, f32x4.extract_lane(v, 0)); store<f32>(y + s, f32x4.extract_lane(v, 1));
  store<f32>(y + 2 * s, f32x4.extract_lane(v, 2)); store<f32>(y + 3 * s, f32x4.extract_lane(v, 3));
}

export function qs8Gemv(n: i32, kp: i32, a: usize, w: usize, rowSum: usize, scale: usize, xs: f32, xz: i32,
  b: usize, y: usize, yn: i32, act: i32, actA: f32, actB: f32): void {
  if (!ASC_FEATURE_SIMD) { ref.qs8Gemv(n, kp, a, w, rowSum, scale, xs, xz, b, y, yn, act, actA, actB); return; }
  const row = <usize>kp;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const w0 = w + <usize>j * row, w1 = w0 + row, w2 = w1 + row, w3 = w2 + row;
    let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (let k = 0; k < kp; k += 8) {
      const xv = v128.load8x8_u(a + k);
      a0 = dot8(a0, xv, w0 + k); a1 = dot8(a1, xv, w1 + k); a2 = dot8(a2, xv, w2 + k); a3 = dot8(a3, xv, w3 + k);
    }
    qs8Store4(isum4(a0, a1, a2, a3), j, xs, xz, rowSum, scale, b, y + (<usize>(j * yn) << 2), yn);
  }
  for (; j < n; j++) {
    const wj = w + <usize>j * row;
    let a0 = i32x4.splat(0);
    for (let k = 0; k < kp; k += 8) a0 = dot8(a0, v128.load8x8_u(a + k), wj + k);
    const s = i32x4.extract_lane(a0, 0) + i32x4.extract_lane(a0, 1) + i32x4.extract_lane(a0, 2) + i32x4.extract_lane(a0, 3);
    store<f32>(y + (<usize>(j * yn) << 2), ref.qs8Out(s, j, xs, xz, rowSum, scale, b, 0, 0, 0));
  }
  qs8Act(1, n, y, 0, yn, act, actA, actB);
}
