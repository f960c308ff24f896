// Scalar twin of qs8-gemv.ts and qs8-gemm.ts (docs/FORMAT.md §3.7): u8 rows of a times s8 rows
// of w, both kp bytes apart (w zero-padded past the real columns), i32 sums, then
// y = act(f32(acc − xZero·rowSum[j]) · f32(xScale·scale[j]) + b[j]).
import { actS } from "../f32-gemm-act";

// @ts-ignore: decorator
@inline export function qs8Out(acc: i32, j: i32, xs: f32, xz: i32, rowSum: usize, scale: usize, b: usize, act: i32, actA: f32, actB: f32): f32 {
  let v = <f32>(acc - xz * load<i32>(rowSum + (<usize>j << 2))) * (xs * load<f32>(scale + (<usize>j << 2)));
  if (b) v += load<f32>(b + (<usize>j << 2));
  return actS(v, act, actA, actB);
}

export function qs8Dot(kp: i32, a: usize, w: usize): i32 {
  let s: i32 = 0;
  for (let k = 0; k < kp; k++) s += <i32>load<u8>(a + k) * <i32>load<i8>(w + k);
  return s;
}

/** One row of a (scale xs, zero xz) against n rows of w; y[j·yn]. */
export function qs8Gemv(n: i32, kp: i32, a: usize, w: usize, rowSum: usize, scale: usize, xs: f32, xz: i32,
  b: usize, y: usize, yn: i32, act: i32, actA: f32, actB: f32): void {
  for (let j = 0; j < n; j++) {
    store<f32>(y + (<usize>(j * yn) << 2), qs8Out(qs8Dot(kp, a, w + <usize>j * kp), j, xs, xz, rowSum, scale, b, act, actA, actB));
  }
}

/** m rows of a, row i quantized with [f32 xScale, i32 xZero] at xq + i·xqStride; y[i·ym + j·yn]. */
export function qs8Gemm(m: i32, n: i32, kp: i32, a: usize, w: usize, rowSum: usize, scale: usize, xq: usize, xqStride: i32,
  b: usize, y: usize, ym: i32, yn: i32, act: i32, actA: f32, actB: f32): void {
  for (let i = 0; i < m; i++) {
    const q = xq + <usize>(i * xqStride);
    qs8Gemv(n, kp, a + <usize>i * kp, w, rowSum, scale, load<f32>(q), load<i32>(q, 4), b, y + (<usize>(i * ym) << 2), yn, act, actA, actB);
  }
}
