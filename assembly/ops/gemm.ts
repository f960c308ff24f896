// Gemm: Y[M,N] = act(X[M,K]·W[N,K]ᵀ + B[N]); attrs act, actA, actB (docs/FORMAT.md §4.1).
// Batch 1 is a GEMV (memory-bound on W), larger batches the 2×4 register-blocked GEMM.
import { nIn, nOut, nAttrI, nAttrF, tData, tRank, tDim, tSize, fail } from "../graph";
import { f32Gemv } from "../kernels/f32-gemv";
import { f32Gemm } from "../kernels/f32-gemm";

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
  return checkAct(nAttrI(n, 0));
}

export function runGemm(n: u32): void {
  const x = nIn(n, 0), w = nIn(n, 1);
  const m = tDim(x, 0), k = tDim(x, 1), nn = tDim(w, 0);
  const act = nAttrI(n, 0), a = nAttrF(n, 1), b = nAttrF(n, 2);
  if (m == 1) f32Gemv(nn, k, tData(x), tData(w), tData(nIn(n, 2)), tData(nOut(n, 0)), act, a, b);
  else f32Gemm(m, nn, k, tData(x), tData(w), tData(nIn(n, 2)), tData(nOut(n, 0)), act, a, b);
}
