// Gemm with an int8 W (docs/FORMAT.md §3.7, docs/RUNTIME.md "int8 weights"): each row of X is
// quantized to u8 in scratch (static xScale/xZero, or per row from its min/max), then qs8-gemv
// (batch 1) or qs8-gemm. W is the kernel form decode/int8.ts built at load (tSparse).
import { nIn, nOut, nAttrI, nAttrF, tData, tDim, tSparse, needScratch, scratch, fail } from "../graph";
import { f32Qu8Vcvt, f32Qu8Params } from "../kernels/f32-qu8-vcvt";
import { qs8Gemv } from "../kernels/qs8-gemv";
import { qs8Gemm } from "../kernels/qs8-gemm";

/** cols · 255 · 127 < 2^31: the i32 sums of the qs8 kernels stay exact. */
export function checkInt8Cols(w: u32, cols: i32): bool {
  return cols <= 66000 || fail("int8 W %t has %d columns; exact i32 sums allow at most 66,000", w, cols);
}

/** Quantizes n values at x to u8 at q with the pair at xq (filled first when W's xScale is 0). */
export function quantizeInput(n: i32, x: usize, q: usize, f: usize, xq: usize): void {
  if (load<f32>(f, 16) == 0) f32Qu8Params(n, x, xq);
  else { store<f32>(xq, load<f32>(f, 16)); store<i32>(xq, load<i32>(f, 20), 4); }
  f32Qu8Vcvt(n, x, q, load<f32>(xq), load<i32>(xq, 4));
}

export function prepareGemmInt8(n: u32): bool {
  const w = nIn(n, 1), m = tDim(nIn(n, 0), 0);
  needScratch(<usize>m * (<usize>load<i32>(tSparse(w), 12) + 8));
  return checkInt8Cols(w, tDim(w, 1));
}

export function runGemmInt8(n: u32): void {
  const x = nIn(n, 0), w = nIn(n, 1), m = tDim(x, 0), k = tDim(x, 1), nn = tDim(w, 0);
  const f = tSparse(w), kp = load<i32>(f, 12), act = nAttrI(n, 0), a = nAttrF(n, 1), b = nAttrF(n, 2);
  const px = tData(x), pb = tData(nIn(n, 2)), py = tData(nOut(n, 0)), q = scratch(), xq = q + <usize>m * kp;
  for (let i = 0; i < m; i++) quantizeInput(k, px + (<usize>(i * k) << 2), q + <usize>(i * kp), f, xq + (<usize>i << 3));
  if (m == 1) qs8Gemv(nn, kp, q, load<usize>(f), load<usize>(f, 4), load<usize>(f, 8), load<f32>(xq), load<i32>(xq, 4), pb, py, 1, act, a, b);
  else qs8Gemm(m, nn, kp, q, load<usize>(f), load<usize>(f, 4), load<usize>(f, 8), xq, 8, pb, py, nn, 1, act, a, b);
}
