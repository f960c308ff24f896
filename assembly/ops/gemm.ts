// Gemm: Y[M,N] = act(X[M,K]·W[N,K]ᵀ + B[N]); attrs act, actA, actB (docs/FORMAT.md §4.1).
// Batch 1 is a GEMV (memory-bound on W), larger batches the 2×4 register-blocked GEMM.
// A sparse W (csr kept sparse at load) runs f32-spmv at batch 1; at batch M > 1, X is
// transposed to [K,M] in scratch, f32-spmm gives Yᵀ[N,M] (SIMD over the batch), transposed back.
// A codebook W kept as u8 indices (decode/csr.ts head: lut ≠ 0) runs the x8-lut twins of those
// kernels; dense (rowPtr = 0) it runs x8-lut-gemv once per row of X.
import { nIn, nOut, nAttrI, nAttrF, tData, tRank, tDim, tSize, tSparse, tEncoding, fail, needScratch, scratch } from "../graph";
import { prepareGemmInt8, runGemmInt8 } from "./gemm-int8";
import { prepareGemmBinary, runGemmBinary } from "./gemm-binary";
import { f32Gemv } from "../kernels/f32-gemv";
import { f32Gemm } from "../kernels/f32-gemm";
import { f32Spmv } from "../kernels/f32-spmv";
import { f32Spmm } from "../kernels/f32-spmm";
import { x8LutSpmv } from "../kernels/x8-lut-spmv";
import { x8LutSpmm } from "../kernels/x8-lut-spmm";
import { x8LutGemv } from "../kernels/x8-lut-gemv";

/**
 * A csr Gemm W stays sparse at load when at most this fraction of it is non-zero, else it is
 * expanded to dense f32. Measured (784×300, batch 1, Node 20, SIMD): f32-spmv vs f32-gemv is
 * 5.8× at 5%, 3.2× at 10%, 1.7× at 20%, 1.0× at 30%, 0.77× at 40%.
 */
export const GEMV_SPARSE_MAX: f64 = 0.25;

/** Shared by Gemm and Conv: the fused activation code is one of 0..3. */
export function checkAct(act: i32): bool {
  return act >= 0 && act <= 3 || fail("fused activation %i is not 0 (none), 1 (Relu), 2 (Clip) or 3 (LeakyRelu)", act);
}

export function prepareGemm(n: u32): bool {
  const x = nIn(n, 0), w = nIn(n, 1), b = nIn(n, 2), y = nOut(n, 0);
  if (tRank(x) != 2) return fail("X is %t but must be [M,K]", x);
  if (tRank(w) != 2) return fail("W is %t but must be [N,K]", w);
  const m = tDim(x, 0), k = tDim(x, 1), nn = tDim(w, 0);
  if (tDim(w, 1) != k) return fail("X is %t but W is %t: K differs", x, w);
  if (tSize(b) != nn) return fail("B is %t but W is %t: B needs N = %d elements", b, w, nn);
  if (tRank(y) != 2 || tDim(y, 0) != m || tDim(y, 1) != nn) return fail("Y is %t but X %t · W %tᵀ is [%d,%d]", y, x, w, m, nn);
  if (tEncoding(w) == 2) return prepareGemmInt8(n) && checkAct(nAttrI(n, 0));
  if (tSparse(w) && load<usize>(tSparse(w)) && m > 1) needScratch(<usize>(k + nn) * <usize>m << 2);
  if (tEncoding(w) == 6) prepareGemmBinary(n);
  return checkAct(nAttrI(n, 0));
}

/** dst[c,r] = src[r,c] for src [rows, cols]. */
function transpose(rows: i32, cols: i32, src: usize, dst: usize): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) store<f32>(dst + (<usize>(c * rows + r) << 2), load<f32>(src + (<usize>(r * cols + c) << 2)));
  }
}

export function runGemm(n: u32): void {
  const x = nIn(n, 0), w = nIn(n, 1);
  if (tEncoding(w) == 2) { runGemmInt8(n); return; }
  if (tEncoding(w) == 6) { runGemmBinary(n); return; }
  const m = tDim(x, 0), k = tDim(x, 1), nn = tDim(w, 0);
  const act = nAttrI(n, 0), a = nAttrF(n, 1), b = nAttrF(n, 2);
  const sp = tSparse(w), px = tData(x), pb = tData(nIn(n, 2)), py = tData(nOut(n, 0));
  if (sp) {
    const rowPtr = load<usize>(sp), cols = load<usize>(sp, 4), vals = load<usize>(sp, 8), lut = load<usize>(sp, 16), stride = load<u32>(sp, 20);
    if (!rowPtr) {
      for (let i = 0; i < m; i++) x8LutGemv(nn, k, px + (<usize>(i * k) << 2), vals, lut, stride, pb, py + (<usize>(i * nn) << 2), act, a, b);
      return;
    }
    if (m == 1) {
      if (lut) x8LutSpmv(nn, rowPtr, cols, vals, lut, stride, px, pb, py, act, a, b);
      else f32Spmv(nn, rowPtr, cols, vals, px, pb, py, act, a, b);
      return;
    }
    const xt = scratch(), yt = xt + (<usize>k * <usize>m << 2);
    transpose(m, k, px, xt);
    if (lut) x8LutSpmm(nn, m, rowPtr, cols, vals, lut, stride, xt, m, pb, yt, m, act, a, b);
    else f32Spmm(nn, m, rowPtr, cols, vals, xt, m, pb, yt, m, act, a, b);
    transpose(nn, m, yt, py);
  } else if (m == 1) f32Gemv(nn, k, tData(x), tData(w), tData(nIn(n, 2)), tData(nOut(n, 0)), act, a, b);
  else f32Gemm(m, nn, k, tData(x), tData(w), tData(nIn(n, 2)), tData(nOut(n, 0)), act, a, b);
}
