// MatMul: Y = A[…,M,K]·B[…,K,N] with numpy batch broadcasting (ONNX MatMul: a rank-1 A is
// [1,K] and a rank-1 B is [K,1], their unit dim dropped from Y). Each batch entry is one
// f32GemmNN; a 2-D B under a batched A collapses to a single GEMM over all rows of A.
import { nIn, nOut, tData, tRank, tDim, needScratch, scratch, fail } from "../graph";
import { f32GemmNN } from "../kernels/f32-gemm-nn";

// Shapes, shared with the backward (assembly/grad/gemm.ts): a rank-1 A is [1,K], a rank-1 B is [K,1].
// @ts-ignore: decorator
@inline export function dimM(a: u32): i32 { const r = tRank(a); return r == 1 ? 1 : tDim(a, r - 2); }
// @ts-ignore: decorator
@inline export function dimK(a: u32): i32 { return tDim(a, tRank(a) - 1); }
// @ts-ignore: decorator
@inline export function dimN(b: u32): i32 { const r = tRank(b); return r == 1 ? 1 : tDim(b, r - 1); }
/** Batch dim i (0 = outermost of `rank` batch dims) of t, 1 where t has fewer. */
// @ts-ignore: decorator
@inline function batchDim(t: u32, i: i32, rank: i32): i32 {
  const tb = tRank(t) - 2;
  const j = i - (rank - tb);
  return j >= 0 ? tDim(t, j) : 1;
}
// @ts-ignore: decorator
@inline export function batchRank(a: u32, b: u32): i32 { return max(max(tRank(a) - 2, tRank(b) - 2), 0); }
/** Matrix index in A of batch entry e of Y, that in B left in `entryB`: a broadcast (size-1)
 * dim does not advance. */
export let entryB = 0;
// @ts-ignore: decorator
@inline export function entryA(a: u32, b: u32, y: u32, br: i32, e: i32): i32 {
  let rest = e, ia = 0, ib = 0, sa = 1, sb = 1;
  for (let i = br - 1; i >= 0; i--) {
    const dy = tDim(y, i), da = batchDim(a, i, br), db = batchDim(b, i, br);
    const q = rest % dy;
    rest /= dy;
    if (da != 1) ia += q * sa;
    if (db != 1) ib += q * sb;
    sa *= da; sb *= db;
  }
  entryB = ib;
  return ia;
}

export function prepareMatMul(n: u32): bool {
  const a = nIn(n, 0), b = nIn(n, 1), y = nOut(n, 0);
  const ra = tRank(a), rb = tRank(b);
  if (ra < 1 || rb < 1) return fail("A is %t, B is %t: MatMul needs rank ≥ 1", a, b);
  const k = dimK(a);
  const kb = rb == 1 ? tDim(b, 0) : tDim(b, rb - 2);
  if (k != kb) return fail("A is %t but B is %t: K differs", a, b);
  const br = batchRank(a, b);
  // Expected Y: broadcast batch dims, then M (unless A is 1-D), then N (unless B is 1-D).
  const ry = br + (ra > 1 ? 1 : 0) + (rb > 1 ? 1 : 0);
  let ok = tRank(y) == ry;
  for (let i = 0; ok && i < br; i++) {
    const da = batchDim(a, i, br), db = batchDim(b, i, br);
    if (da != db && da != 1 && db != 1) return fail("A is %t but B is %t: batch dims do not broadcast", a, b);
    ok = tDim(y, i) == max(da, db);
  }
  if (ok && ra > 1) ok = tDim(y, br) == dimM(a);
  if (ok && rb > 1) ok = tDim(y, ry - 1) == dimN(b);
  if (!ok) return fail("Y is %t but A %t · B %t has another shape", y, a, b);
  needScratch(<usize>k * <usize>dimN(b) << 2); // f32GemmNN packs one B at a time
  return true;
}

export function runMatMul(n: u32): void {
  const a = nIn(n, 0), b = nIn(n, 1), y = nOut(n, 0);
  const m = dimM(a), k = dimK(a), nn = dimN(b);
  const pa = tData(a), pb = tData(b), py = tData(y);
  const br = batchRank(a, b);
  let batches = 1;
  for (let i = 0; i < br; i++) batches *= tDim(y, i);
  if (tRank(b) <= 2) { f32GemmNN(batches * m, nn, k, pa, pb, 0, py, nn, 0, 0, 0, scratch()); return; }
  const aMat = <usize>m * <usize>k << 2, bMat = <usize>k * <usize>nn << 2, yMat = <usize>m * <usize>nn << 2;
  for (let e = 0; e < batches; e++) {
    const ia = entryA(a, b, y, br, e), ib = entryB;
    f32GemmNN(m, nn, k, pa + <usize>ia * aMat, pb + <usize>ib * bMat, 0, py + <usize>e * yMat, nn, 0, 0, 0, scratch());
  }
}
